#!/usr/bin/env python3
"""Image archives for tests/integration/image_save_load.sh.

  archive_tool.py hostile KIND OUT   a hand-made hostile OCI archive
  archive_tool.py owner ARCHIVE PATH uid/gid of PATH in the archive's layers
  archive_tool.py manifest ARCHIVE   the manifest digest its index.json names
  archive_tool.py tall N ROOTFS OUT  an image tall:N of N layers (see tall())

KIND: dotdot, absolute, symlink-out, symlink-write, hardlink, blob-digest,
diff-id, layer-escape, huge-size, no-index, dup-entry, good (a valid
one-layer image named hostile:good, for comparison).
"""
import hashlib
import io
import json
import sys
import tarfile


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def image(layer, diff_id=None):
    """The blobs and index of a one-layer image: {name: bytes}."""
    return layered([layer], "hostile:good", [diff_id or digest(layer)])


def layered(layers, name, diff_ids=None):
    """The blobs and index of an image of layers (bottom first)."""
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/marker"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids or [digest(l) for l in layers]},
    }).encode()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": digest(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": digest(l), "size": len(l)} for l in layers],
    }).encode()
    index = json.dumps({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": digest(manifest), "size": len(manifest),
                       "annotations": {"org.opencontainers.image.ref.name": name}}],
    }).encode()
    files = {"oci-layout": b'{"imageLayoutVersion":"1.0.0"}', "index.json": index}
    for blob in list(layers) + [config, manifest]:
        files["blobs/sha256/" + digest(blob)[7:]] = blob
    return files


def tall(n, rootfs, out):
    """tall:N, an image of n layers (n >= 8): the rootfs with /x, /gone,
    /gone2 and /d/a at the bottom, then one file /layers/I each; layer 5
    deletes /gone, the top ones delete /gone2, make /d opaque with only
    /d/b, and rewrite /x."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        t.add(rootfs, arcname=".", recursive=True)
        for name, data in (("x", b"base\n"), ("gone", b"1\n"), ("gone2", b"2\n"),
                           ("d/a", b"a\n")):
            add_file(t, name, data)
    layers = [buf.getvalue()]
    extra = {5: [(".wh.gone", b"")], n - 4: [(".wh.gone2", b"")],
             n - 3: [("d/.wh..wh..opq", b""), ("d/b", b"b\n")], n - 2: [("x", b"top\n")]}
    for i in range(1, n):
        layers.append(layer_tar([("layers/%d" % i, b"%d\n" % i)] + extra.get(i, [])))
    write_archive(layered(layers, "tall:%d" % n), out)


def write_archive(files, out):
    with tarfile.open(out, "w") as t:
        for name, data in files.items():
            add_file(t, name, data)


def add_file(t, name, data, size=None):
    info = tarfile.TarInfo(name)
    info.size = len(data) if size is None else size
    info.mode = 0o644
    t.addfile(info, io.BytesIO(data) if data else None)


def add_link(t, name, target, hard=False):
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    t.addfile(info)


def hostile(kind, out):
    good_layer = layer_tar([("marker", b"marker\n")])
    files = image(good_layer)
    with open(out, "wb") as f, tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT) as t:
        if kind == "dotdot":
            add_file(t, "../escaped", b"x")
        elif kind == "absolute":
            add_file(t, "/tmp/clan-absolute-escape", b"x")
        elif kind == "symlink-out":
            add_link(t, "blobs", "/tmp")
        elif kind == "symlink-write":
            # a link inside the archive's names, then a file through it:
            # only ever a name, never a path on disk
            add_link(t, "through", "../../../../../../tmp")
            add_file(t, "through/clan-symlink-escape", b"x")
        elif kind == "hardlink":
            add_link(t, "oci-layout", "/etc/passwd", hard=True)
        elif kind == "blob-digest":
            name = next(n for n in files if n.startswith("blobs/") and files[n] == good_layer)
            files[name] = good_layer[:-1] + b"X"
        elif kind == "diff-id":
            files = image(good_layer, diff_id=digest(b"something else"))
        elif kind == "layer-escape":
            files = image(layer_tar([("../../escaped-by-layer", b"x")]))
        elif kind == "huge-size":
            add_file(t, "blobs/sha256/" + "0" * 64, b"", size=1 << 40)
            return
        elif kind == "no-index":
            del files["index.json"]
        elif kind == "dup-entry":
            add_file(t, "index.json", files["index.json"])
        elif kind != "good":
            sys.exit("unknown kind " + kind)
        for name, data in files.items():
            add_file(t, name, data)


def members(path):
    with tarfile.open(path) as t:
        return {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}


def manifest_of(files):
    index = json.loads(files["index.json"])
    return index["manifests"][0]["digest"]


def owner(path, want):
    files = members(path)
    man = json.loads(files["blobs/sha256/" + manifest_of(files)[7:]])
    for layer in man["layers"]:
        with tarfile.open(fileobj=io.BytesIO(files["blobs/sha256/" + layer["digest"][7:]])) as t:
            for m in t.getmembers():
                if m.name.rstrip("/") == want:
                    print("%d/%d" % (m.uid, m.gid))
                    return
    sys.exit("no %s in the layers of %s" % (want, path))


def main():
    cmd = sys.argv[1]
    if cmd == "hostile":
        hostile(sys.argv[2], sys.argv[3])
    elif cmd == "owner":
        owner(sys.argv[2], sys.argv[3])
    elif cmd == "tall":
        tall(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif cmd == "manifest":
        print(manifest_of(members(sys.argv[2])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
