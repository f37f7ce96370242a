#!/usr/bin/env python3
"""Abusive clients of a stack supervisor's control socket, for
tests/integration/stack_ctl.sh.

  trickle SOCK SECONDS   sends '{' then one space a second; prints
                         "closed after N s" when the supervisor drops it
                         (exit 0) or "open after N s" (exit 1)
  silent SOCK N SECONDS  opens N connections, sends nothing, holds them
  noread SOCK SECONDS    sends a request, never reads the answer
  big SOCK [BYTES]       sends BYTES (70000) bytes without a newline;
                         prints what came back (or "closed")
  send SOCK TEXT         sends TEXT and a newline; prints the answer
"""
import select
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def closed_by_peer(s, wait):
    r, _, _ = select.select([s], [], [], wait)
    if not r:
        return False
    try:
        return s.recv(4096) == b""
    except OSError:
        return True


def trickle(path, seconds):
    s = connect(path)
    start = time.monotonic()
    s.sendall(b"{")
    while time.monotonic() - start < seconds:
        if closed_by_peer(s, 1.0):
            print("closed after %.1f s" % (time.monotonic() - start))
            return 0
        try:
            s.sendall(b" ")
        except OSError:
            print("closed after %.1f s" % (time.monotonic() - start))
            return 0
    print("open after %.1f s" % (time.monotonic() - start))
    return 1


def silent(path, n, seconds):
    conns = [connect(path) for _ in range(n)]
    time.sleep(seconds)
    for c in conns:
        c.close()
    return 0


def noread(path, seconds):
    s = connect(path)
    s.sendall(b'{"op":"ps"}\n')
    time.sleep(seconds)
    s.close()
    return 0


def send(path, text):
    s = connect(path)
    s.sendall(text.encode() + b"\n")
    s.settimeout(30)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    print(data.decode(errors="replace").strip() or "closed")
    return 0


def big(path, size=70000):
    s = connect(path)
    try:
        s.sendall(b"x" * size)
    except OSError:
        pass
    s.settimeout(10)
    try:
        data = s.recv(4096)
    except OSError:
        data = b""
    print(data.decode(errors="replace").strip() or "closed")
    return 0


def main():
    op, path = sys.argv[1], sys.argv[2]
    if op == "trickle":
        return trickle(path, float(sys.argv[3]))
    if op == "silent":
        return silent(path, int(sys.argv[3]), float(sys.argv[4]))
    if op == "noread":
        return noread(path, float(sys.argv[3]))
    if op == "big":
        return big(path, int(sys.argv[3]) if len(sys.argv) > 3 else 70000)
    if op == "send":
        return send(path, sys.argv[3])
    print("unknown operation " + op, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
