#!/usr/bin/env python3
"""Small network helpers for tests/integration/net.sh. Loopback only.

  free-port [tcp|udp]          print a port nothing listens on now
  can-bind PORT                exit 0 when 127.0.0.1:PORT (tcp) can be bound
  hold-port PORT READY_FILE    listen on 127.0.0.1:PORT (tcp) until killed
  udp-echo PORT                answer every datagram with b"echo:" + it
  udp-ask HOST PORT MSG SECS   send MSG until an answer comes (print it)
  dns-serve ADDR NAME IP READY_FILE
                               answer A queries for NAME with IP on
                               ADDR:53 (udp), NXDOMAIN for anything else
  http-serve PORT [keep-half]  answer every HTTP request on PORT (tcp, all
                               addresses) with 200 "ok", one thread, idle
                               connections kept as long as their clients;
                               keep-half: a client that ends before a whole
                               request is kept too (a server still at work)
  blackhole PORT               listen on PORT (tcp, all addresses) with the
                               smallest backlog and never accept: further
                               connections wait in SYN_SENT
  hold-conns PORT N NSRC STATUS_FILE [idle|spoke|half]
                               open N connections to 127.0.0.1:PORT from the
                               sources 127.0.1.1..NSRC, wait up to 5 s for
                               them; then send nothing (idle), one byte
                               (spoke) or end the sending side (half); keep
                               them and rewrite STATUS_FILE ("connected C
                               closed D") every 0.2 s: D is how many the
                               other side closed
"""
import os
import resource
import select
import selectors
import socket
import struct
import sys
import time


def free_port(kind="tcp"):
    t = socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, t) as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def can_bind(port):
    with socket.socket() as s:
        # TIME_WAIT of closed connections is not a listener
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", int(port)))
        s.listen(1)
    return 0


def hold_port(port, ready):
    s = socket.socket()
    s.bind(("127.0.0.1", int(port)))
    s.listen(1)
    open(ready, "w").close()
    while True:
        time.sleep(60)


def udp_echo(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(port)))
    print("listening", flush=True)
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(b"echo:" + data, peer)


def udp_ask(host, port, msg, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    deadline = time.time() + float(secs)
    while time.time() < deadline:
        s.sendto(msg.encode(), (host, int(port)))
        try:
            data, _ = s.recvfrom(65536)
            print(data.decode())
            return 0
        except socket.timeout:
            continue
    print("no answer", file=sys.stderr)
    return 1


def dns_answer(query, name, ip):
    qid, _flags, qdcount = struct.unpack("!HHH", query[:6])
    pos, labels = 12, []
    while query[pos] != 0:
        n = query[pos]
        labels.append(query[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    qtype, _qclass = struct.unpack("!HH", query[pos + 1:pos + 5])
    question = query[12:pos + 5]
    asked = ".".join(labels).lower()
    if asked == name.lower() and qtype == 1 and qdcount == 1:
        header = struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0)
        answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(ip)
        return header + question + answer
    rcode = 0 if asked == name.lower() else 3  # NOERROR/no AAAA, or NXDOMAIN
    return struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, 0, 0, 0) + question


def dns_serve(addr, name, ip, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    open(ready, "w").close()
    while True:
        query, peer = s.recvfrom(4096)
        try:
            s.sendto(dns_answer(query, name, ip), peer)
        except (IndexError, struct.error):
            continue


def raise_nofile():
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


HTTP_OK = b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"


def http_serve(port, mode=""):
    raise_nofile()
    kept = []
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", int(port)))
    srv.listen(4096)
    srv.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    got = {}
    print("listening", flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is srv:
                while True:
                    try:
                        c, _ = srv.accept()
                    except (BlockingIOError, ConnectionError):
                        break
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ)
                    got[c] = b""
                continue
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionError:
                data = b""
            got[s] += data
            if data and b"\r\n\r\n" not in got[s]:
                continue
            if not data and mode == "keep-half":
                sel.unregister(s)
                del got[s]
                kept.append(s)
                continue
            if data:
                try:
                    s.send(HTTP_OK)
                except OSError:
                    pass
            sel.unregister(s)
            del got[s]
            s.close()


def blackhole(port):
    s = socket.socket()
    s.bind(("0.0.0.0", int(port)))
    s.listen(0)
    print("listening", flush=True)
    while True:
        time.sleep(60)


def write_status(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text + "\n")
    os.replace(path + ".tmp", path)


def hold_conns(port, n, nsrc, status, mode="idle"):
    raise_nofile()
    socks = []
    for i in range(int(n)):
        s = socket.socket()
        s.setblocking(False)
        s.bind(("127.0.1.%d" % (1 + i % int(nsrc)), 0))
        s.connect_ex(("127.0.0.1", int(port)))
        socks.append(s)
    poll = select.poll()
    pending = {s.fileno(): s for s in socks}
    for fd in pending:
        poll.register(fd, select.POLLOUT)
    connected = 0
    deadline = time.time() + 5
    while pending and time.time() < deadline:
        for fd, _ev in poll.poll(200):
            s = pending.pop(fd)
            poll.unregister(fd)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                connected += 1
    # a connection the other side closed reads as end of file
    live = {s.fileno(): s for s in socks if s.fileno() not in pending}
    for fd, s in live.items():
        if mode == "spoke":
            s.send(b"G")
        elif mode == "half":
            s.shutdown(socket.SHUT_WR)
        poll.register(fd, select.POLLIN)
    closed = 0
    while True:
        write_status(status, "connected %d closed %d" % (connected, closed))
        for fd, _ev in poll.poll(200):
            poll.unregister(fd)
            closed += 1


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "free-port":
        free_port(*args)
    elif cmd == "can-bind":
        return can_bind(*args)
    elif cmd == "hold-port":
        hold_port(*args)
    elif cmd == "udp-echo":
        udp_echo(*args)
    elif cmd == "udp-ask":
        return udp_ask(*args)
    elif cmd == "dns-serve":
        dns_serve(*args)
    elif cmd == "http-serve":
        http_serve(*args)
    elif cmd == "blackhole":
        blackhole(*args)
    elif cmd == "hold-conns":
        hold_conns(*args)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
