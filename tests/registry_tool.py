#!/usr/bin/env python3
"""What tests/registry.sh cannot do in shell: hand-made layer tars (any
name, owner, type), OCI layouts built from them, pushes through the registry
API by hand (blob upload POST/PUT, manifest PUT), and a bandwidth-limited
TCP proxy. Standard library only; everything on 127.0.0.1.

  registry_tool.py freeport
  registry_tool.py tar OUT.tar < SPEC.json
  registry_tool.py image LAYOUT TAG [--arch A] [--os O] [--cmd ARG]...
                         [--layer gzip|none|zstd:TAR]...
  registry_tool.py index LAYOUT TAG CHILD_TAG=ARCH...
  registry_tool.py info LAYOUT TAG manifest|config|layers|diff_ids|size
  registry_tool.py push LAYOUT TAG HOST:PORT REPO:TAG [--creds USER:PASS]
  registry_tool.py proxy PORTFILE TARGET_HOST:PORT BYTES_PER_SECOND

SPEC (tar): {"from_dir": DIR, "owners": {"path": [uid, gid]},
             "entries": [{"name": ..., "type": "file|dir|symlink|hardlink|
             char|block|many", "data": TEXT, "random": BYTES, "text": BYTES,
             "zeros": BYTES,
             "link": TARGET, "mode": 420, "uid": 0, "gid": 0, "major": 1,
             "minor": 3, "count": N}]}
Names are written as given: "../x" and "/abs" stay what they are.
"""

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request

MTIME = 1700000000
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_TYPES = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "none": "application/vnd.oci.image.layer.v1.tar",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}


def die(msg):
    print(f"registry_tool: {msg}", file=sys.stderr)
    sys.exit(1)


# --- tar ------------------------------------------------------------------


def text_bytes(n):
    """n bytes of compressible but not trivial text (base64 of random)."""
    raw = base64.b64encode(os.urandom((n * 3) // 4 + 3))
    out = bytearray()
    for i in range(0, len(raw), 76):
        out += raw[i : i + 76] + b"\n"
    return bytes(out[:n])


def add_entry(tar, e):
    kind = e.get("type", "file")
    if kind == "many":
        for i in range(e["count"]):
            sub = dict(e, type="file", name=f"{e['name']}{i:05d}")
            add_entry(tar, sub)
        return
    ti = tarfile.TarInfo(e["name"])
    ti.mtime = e.get("mtime", MTIME)
    ti.uid = e.get("uid", 0)
    ti.gid = e.get("gid", 0)
    ti.uname = ti.gname = ""
    data = None
    if kind == "file":
        ti.type = tarfile.REGTYPE
        ti.mode = e.get("mode", 0o644)
        if "random" in e:
            data = os.urandom(e["random"])
        elif "text" in e:
            data = text_bytes(e["text"])
        elif "zeros" in e:
            data = bytes(e["zeros"])
        else:
            data = e.get("data", "").encode()
        ti.size = len(data)
    elif kind == "dir":
        ti.type = tarfile.DIRTYPE
        ti.mode = e.get("mode", 0o755)
    elif kind == "symlink":
        ti.type = tarfile.SYMTYPE
        ti.mode = 0o777
        ti.linkname = e["link"]
    elif kind == "hardlink":
        ti.type = tarfile.LNKTYPE
        ti.mode = e.get("mode", 0o644)
        ti.linkname = e["link"]
    elif kind in ("char", "block"):
        ti.type = tarfile.CHRTYPE if kind == "char" else tarfile.BLKTYPE
        ti.mode = e.get("mode", 0o666)
        ti.devmajor = e.get("major", 0)
        ti.devminor = e.get("minor", 0)
    else:
        die(f"unknown entry type {kind}")
    tar.addfile(ti, None if data is None else io.BytesIO(data))


def add_dir(tar, root, owners):
    """The tree under root, sorted, owned by root (or as owners says)."""
    paths = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for n in sorted(dirnames + filenames):
            paths.append(os.path.join(dirpath, n))
    for p in sorted(paths):
        rel = os.path.relpath(p, root)
        ti = tar.gettarinfo(p, rel)
        ti.uid, ti.gid = owners.get(rel, (0, 0))
        ti.uname = ti.gname = ""
        ti.mtime = MTIME
        if ti.isreg():
            with open(p, "rb") as f:
                tar.addfile(ti, f)
        else:
            tar.addfile(ti)


def cmd_tar(args):
    if len(args) != 1:
        die("usage: tar OUT.tar < SPEC.json")
    spec = json.load(sys.stdin)
    tmp = args[0] + ".tmp"
    # GNU format: long names and any uid; pax would add headers clan need not see.
    with tarfile.open(tmp, "w", format=tarfile.GNU_FORMAT) as tar:
        if spec.get("from_dir"):
            owners = {k: tuple(v) for k, v in spec.get("owners", {}).items()}
            add_dir(tar, spec["from_dir"], owners)
        for e in spec.get("entries", []):
            add_entry(tar, e)
    os.rename(tmp, args[0])


# --- OCI layouts ------------------------------------------------------------


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return "sha256:" + h.hexdigest()


def blob_path(layout, digest):
    return os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])


def put_blob(layout, data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(blob_path(layout, d), "wb") as f:
        f.write(data)
    return d


def put_blob_file(layout, path):
    d = sha256_file(path)
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    shutil.copyfile(path, blob_path(layout, d))
    return d


def read_index(layout):
    p = os.path.join(layout, "index.json")
    if not os.path.exists(p):
        os.makedirs(layout, exist_ok=True)
        with open(os.path.join(layout, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        return {"schemaVersion": 2, "manifests": []}
    with open(p) as f:
        return json.load(f)


def write_index(layout, idx):
    p = os.path.join(layout, "index.json")
    with open(p + ".tmp", "w") as f:
        json.dump(idx, f)
    os.rename(p + ".tmp", p)


def set_tag(layout, tag, desc):
    idx = read_index(layout)
    key = "org.opencontainers.image.ref.name"
    idx["manifests"] = [m for m in idx["manifests"] if m.get("annotations", {}).get(key) != tag]
    d = dict(desc)
    d["annotations"] = {key: tag}
    idx["manifests"].append(d)
    write_index(layout, idx)


def find_tag(layout, tag):
    for m in read_index(layout)["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return m
    die(f"{layout}: no tag {tag}")


def load_blob(layout, digest):
    with open(blob_path(layout, digest), "rb") as f:
        return f.read()


def compress(kind, src, dst):
    if kind == "none":
        shutil.copyfile(src, dst)
    elif kind == "gzip":
        with open(src, "rb") as fi, open(dst, "wb") as fo:
            # mtime 0: the same tar gives the same blob, so layers are shared.
            with gzip.GzipFile(fileobj=fo, mode="wb", mtime=0, compresslevel=6) as gz:
                shutil.copyfileobj(fi, gz, 1 << 20)
    elif kind == "zstd":
        subprocess.run(["zstd", "-q", "-f", "-3", "-o", dst, src], check=True)
    else:
        die(f"unknown compression {kind}")


def cmd_image(args):
    if len(args) < 2:
        die("usage: image LAYOUT TAG [--arch A] [--os O] [--cmd ARG]... [--layer KIND:TAR]..."
            " [--healthcheck JSON]")
    layout, tag = args[0], args[1]
    arch, osname, cmd, layers, health = "amd64", "linux", [], [], None
    i = 2
    while i < len(args):
        opt, val = args[i], args[i + 1]
        if opt == "--arch":
            arch = val
        elif opt == "--os":
            osname = val
        elif opt == "--cmd":
            cmd.append(val)
        elif opt == "--layer":
            kind, path = val.split(":", 1)
            layers.append((kind, path))
        elif opt == "--healthcheck":
            health = json.loads(val)
        else:
            die(f"unknown option {opt}")
        i += 2
    read_index(layout)
    descs, diff_ids = [], []
    for kind, path in layers:
        diff_ids.append(sha256_file(path))
        # Compressed once beside the tar: images that share a tar share a blob.
        packed = f"{path}.{kind}"
        if not os.path.exists(packed) or os.path.getmtime(packed) < os.path.getmtime(path):
            compress(kind, path, packed + ".tmp")
            os.rename(packed + ".tmp", packed)
        d = put_blob_file(layout, packed)
        descs.append({"mediaType": LAYER_TYPES[kind], "digest": d, "size": os.path.getsize(packed)})
    config = {
        "created": "2023-11-14T22:13:20Z",
        "architecture": arch,
        "os": osname,
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": cmd or ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    if health is not None:
        # Docker's config key; the OCI config has none, registries keep it
        config["config"]["Healthcheck"] = health
    cb = json.dumps(config, sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": put_blob(layout, cb), "size": len(cb)},
        "layers": descs,
    }
    mb = json.dumps(manifest, sort_keys=True).encode()
    set_tag(layout, tag, {"mediaType": OCI_MANIFEST, "digest": put_blob(layout, mb), "size": len(mb)})


def cmd_index(args):
    if len(args) < 3:
        die("usage: index LAYOUT TAG CHILD_TAG=ARCH...")
    layout, tag = args[0], args[1]
    children = []
    for spec in args[2:]:
        child, arch = spec.split("=", 1)
        m = find_tag(layout, child)
        children.append({"mediaType": m.get("mediaType", OCI_MANIFEST), "digest": m["digest"],
                         "size": m["size"], "platform": {"architecture": arch, "os": "linux"}})
    ib = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children},
                    sort_keys=True).encode()
    set_tag(layout, tag, {"mediaType": OCI_INDEX, "digest": put_blob(layout, ib), "size": len(ib)})


def cmd_info(args):
    if len(args) != 3:
        die("usage: info LAYOUT TAG manifest|config|layers|diff_ids|size")
    layout, tag, field = args
    desc = find_tag(layout, tag)
    if field == "manifest":
        print(desc["digest"])
        return
    manifest = json.loads(load_blob(layout, desc["digest"]))
    if manifest.get("mediaType") == OCI_INDEX or "manifests" in manifest:
        die(f"{layout}:{tag} is an index")
    if field == "config":
        print(manifest["config"]["digest"])
    elif field == "layers":
        print("\n".join(l["digest"] for l in manifest["layers"]))
    elif field == "diff_ids":
        config = json.loads(load_blob(layout, manifest["config"]["digest"]))
        print("\n".join(config["rootfs"]["diff_ids"]))
    elif field == "size":
        print(sum(l["size"] for l in manifest["layers"]))
    else:
        die(f"unknown field {field}")


# --- pushing by hand through the distribution API ---------------------------


class Registry:
    def __init__(self, host, creds):
        self.base = f"http://{host}"
        self.auth = None
        if creds:
            self.auth = "Basic " + base64.b64encode(creds.encode()).decode()

    def request(self, method, url, data=None, headers=None):
        if url.startswith("/"):
            url = self.base + url
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        if self.auth:
            req.add_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def push_blob(self, repo, digest, path):
        st, _, _ = self.request("HEAD", f"/v2/{repo}/blobs/{digest}")
        if st == 200:
            return
        st, h, body = self.request("POST", f"/v2/{repo}/blobs/uploads/")
        if st != 202:
            die(f"POST blob upload for {repo}: HTTP {st}: {body[:200]!r}")
        loc = h["Location"]
        loc += ("&" if "?" in loc else "?") + "digest=" + digest
        with open(path, "rb") as f:
            data = f.read()
        st, _, body = self.request("PUT", loc, data,
                                   {"Content-Type": "application/octet-stream"})
        if st != 201:
            die(f"PUT blob {digest} to {repo}: HTTP {st}: {body[:200]!r}")

    def push_manifest(self, repo, ref, media_type, data):
        st, _, body = self.request("PUT", f"/v2/{repo}/manifests/{ref}", data,
                                   {"Content-Type": media_type})
        if st != 201:
            die(f"PUT manifest {repo}:{ref}: HTTP {st}: {body[:300]!r}")


def push_desc(reg, layout, repo, desc, ref):
    data = load_blob(layout, desc["digest"])
    doc = json.loads(data)
    if "manifests" in doc:
        for child in doc["manifests"]:
            push_desc(reg, layout, repo, child, child["digest"])
    else:
        for b in [doc["config"]] + doc["layers"]:
            reg.push_blob(repo, b["digest"], blob_path(layout, b["digest"]))
    reg.push_manifest(repo, ref, doc.get("mediaType", desc.get("mediaType")), data)


def cmd_push(args):
    creds = None
    if "--creds" in args:
        i = args.index("--creds")
        creds = args[i + 1]
        del args[i : i + 2]
    if len(args) != 4:
        die("usage: push LAYOUT TAG HOST:PORT REPO:TAG [--creds USER:PASS]")
    layout, tag, host, dest = args
    repo, ref = dest.rsplit(":", 1)
    push_desc(Registry(host, creds), layout, repo, find_tag(layout, tag), ref)


# --- a bandwidth-limited proxy ----------------------------------------------


def pipe(src, dst, rate):
    """Copies src to dst, at most rate bytes a second (0: no limit)."""
    start, sent = time.monotonic(), 0
    try:
        while True:
            b = src.recv(16384)
            if not b:
                break
            dst.sendall(b)
            sent += len(b)
            if rate:
                ahead = sent / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def cmd_proxy(args):
    if len(args) != 3:
        die("usage: proxy PORTFILE TARGET_HOST:PORT BYTES_PER_SECOND")
    portfile, target, rate = args[0], args[1], int(args[2])
    thost, tport = target.rsplit(":", 1)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    with open(portfile + ".tmp", "w") as f:
        f.write(f"{ls.getsockname()[1]}\n")
    os.rename(portfile + ".tmp", portfile)
    while True:
        c, _ = ls.accept()
        try:
            u = socket.create_connection((thost, int(tport)), timeout=10)
            u.settimeout(None)
        except OSError:
            c.close()
            continue
        threading.Thread(target=pipe, args=(c, u, 0), daemon=True).start()
        threading.Thread(target=pipe, args=(u, c, rate), daemon=True).start()


def cmd_freeport(_args):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def main():
    cmds = {"tar": cmd_tar, "image": cmd_image, "index": cmd_index, "info": cmd_info,
            "push": cmd_push, "proxy": cmd_proxy, "freeport": cmd_freeport}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        die("usage: registry_tool.py " + "|".join(cmds) + " ...")
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
