#!/usr/bin/env python3
"""A fake registry for what Debian's docker-registry cannot do without a
JWT-signing token server: the Bearer token flow, blob redirects to storage
that must not see the Authorization header, and an old schema 1 manifest.
Standard library only; HTTP/1.1 on 127.0.0.1.

  registry_fake.py --layout DIR --ready FILE --log FILE [--port N]
                   [--image REPO:TAG=LAYOUT_TAG]... [--schema1 REPO:TAG]...
                   [--user USER:PASS]

The API (port N, 0: any free one):
  /v2/ and /v2/REPO/...  without a valid token: 401 with
                 WWW-Authenticate: Bearer realm="http://127.0.0.1:N/token",
                 service="127.0.0.1:N"[,scope="repository:REPO:pull"];
                 for disguised/* repos the realm is
                 http://127.0.0.1:1@127.0.0.1:N/token (userinfo before the host)
  /token?service=S&scope=repository:REPO:pull
                 an opaque random token, remembered with the repos it grants;
                 anonymous except for priv/* repos, which need basic USER:PASS
                 (a wrong USER:PASS is refused for any scope; no scope at all
                 is what a login asks)
  /v2/REPO/manifests/TAG|DIGEST  from the layout (--image), or a schema 1
                 manifest (--schema1)
  /v2/REPO/blobs/DIGEST  307 to http://127.0.0.1:STORAGE_PORT/storage/DIGEST
                 ?sig=..., a second listener of this process that answers 400
                 to any request carrying an Authorization header (as S3 does)
                 and 403 to a missing or wrong sig

The ready file (written once both listeners accept; a FIFO is written to,
anything else created by rename) holds "PORT STORAGE_PORT".
The log gets one line per request, flushed when it is answered:
  api|storage METHOD PATH STATUS auth=none|bearer|bearer-unknown|basic:USER|OTHER
  [service=S scope=S]  (the token endpoint's query, decoded)
Requests through it as a proxy (CONNECT, absolute URIs) are logged and
answered 502: point https_proxy at it to catch a client leaving the machine.
Stop it by pid; it also exits when its parent does.
"""

import argparse
import base64
import hashlib
import json
import os
import secrets
import stat
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MT_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+prettyjws"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


class Fake:
    """What both listeners share: the layout, repos, tokens and the log."""

    def __init__(self, args):
        self.layout = args.layout
        self.user = args.user
        self.tokens = {}  # token -> set of repos it may pull ("" for /v2/ only)
        self.sigs = {}  # storage signature -> digest
        self.lock = threading.Lock()
        self.log_file = open(args.log, "a", encoding="utf-8")
        with open(os.path.join(self.layout, "index.json"), encoding="utf-8") as f:
            index = json.load(f)
        by_tag = {}
        for m in index["manifests"]:
            name = m.get("annotations", {}).get("org.opencontainers.image.ref.name")
            if name:
                by_tag[name] = m
        # repo -> {tag: (media type, bytes)}; a repo also serves its blobs.
        self.repos = {}
        for spec in args.image:
            ref, layout_tag = spec.split("=", 1)
            repo, tag = ref.rsplit(":", 1)
            if layout_tag not in by_tag:
                sys.exit(f"registry_fake: {self.layout} has no tag {layout_tag}")
            desc = by_tag[layout_tag]
            body = self.blob(desc["digest"])
            self.repos.setdefault(repo, {})[tag] = (desc.get("mediaType", OCI_MANIFEST), body)
        for ref in args.schema1:
            repo, tag = ref.rsplit(":", 1)
            self.repos.setdefault(repo, {})[tag] = (MT_SCHEMA1, self.schema1(repo, tag, by_tag))
        self.port = 0
        self.storage_port = 0

    def blob_file(self, digest):
        if not digest.startswith("sha256:") or len(digest) != 71:
            return None
        hexpart = digest[7:]
        if any(c not in "0123456789abcdef" for c in hexpart):
            return None
        p = os.path.join(self.layout, "blobs", "sha256", hexpart)
        return p if os.path.isfile(p) else None

    def blob(self, digest):
        with open(self.blob_file(digest), "rb") as f:
            return f.read()

    def schema1(self, repo, tag, by_tag):
        """A signed schema 1 manifest as old registries served it, naming
        real layer blobs (so a client that took it would find them)."""
        layers = []
        first = next(iter(by_tag.values()), None)
        if first is not None:
            doc = json.loads(self.blob(first["digest"]))
            layers = [l["digest"] for l in doc.get("layers", [])]
        history = [{"v1Compatibility": json.dumps({"id": hashlib.sha256(d.encode()).hexdigest()})}
                   for d in reversed(layers)]
        doc = {
            "schemaVersion": 1,
            "name": repo,
            "tag": tag,
            "architecture": "amd64",
            "fsLayers": [{"blobSum": d} for d in reversed(layers)],
            "history": history,
            "signatures": [{"header": {"alg": "ES256"}, "signature": "AAAA", "protected": "e30"}],
        }
        return json.dumps(doc, indent=3).encode()

    def manifest(self, repo, ref):
        """(media type, bytes) of REF (a tag or a digest) in repo, or None."""
        tags = self.repos.get(repo, {})
        if ref in tags:
            return tags[ref]
        for mt, body in tags.values():
            if "sha256:" + hashlib.sha256(body).hexdigest() == ref:
                return mt, body
        # A child of an index, by digest.
        if ref.startswith("sha256:") and tags and self.blob_file(ref):
            body = self.blob(ref)
            try:
                mt = json.loads(body).get("mediaType", OCI_MANIFEST)
            except ValueError:
                return None
            return mt, body
        return None

    def grant(self, repos):
        tok = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[tok] = set(repos)
        return tok

    def allowed(self, tok, repo):
        with self.lock:
            granted = self.tokens.get(tok)
        return granted is not None and (repo is None or repo in granted)

    def sign(self, digest):
        sig = secrets.token_hex(16)
        with self.lock:
            self.sigs[sig] = digest
        return sig

    def signed(self, sig, digest):
        with self.lock:
            return self.sigs.get(sig) == digest

    def log(self, line):
        with self.lock:
            self.log_file.write(line + "\n")
            self.log_file.flush()


def auth_word(header, fake):
    """How a request authenticated, for the log."""
    if not header:
        return "none"
    scheme, _, cred = header.partition(" ")
    if scheme.lower() == "bearer":
        return "bearer" if fake.allowed(cred.strip(), None) else "bearer-unknown"
    if scheme.lower() == "basic":
        try:
            user = base64.b64decode(cred.strip(), validate=True).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            user = "?"
        return "basic:" + user
    return scheme


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "clan-fake-registry"
    sys_version = ""
    fake = None  # set per listener
    listener = ""

    def log_message(self, fmt, *args):  # the access log is ours
        pass

    def version_string(self):
        return self.server_version

    def reply(self, code, body=b"", ctype="application/json", headers=(), extra_log=""):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        # Logged before the body goes out: a client that has it all finds
        # its request in the log.
        auth = auth_word(self.headers.get("Authorization"), self.fake)
        self.fake.log(f"{self.listener} {self.command} {self.path} {code} auth={auth}{extra_log}")
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, code, err, message, headers=()):
        body = json.dumps({"errors": [{"code": err, "message": message}]}).encode()
        self.reply(code, body, headers=headers)

    def do_HEAD(self):
        self.do_GET()

    def do_CONNECT(self):
        # A client told to use this as its proxy: logged, and nothing leaves
        # this machine.
        self.error(502, "NO_PROXY", "this fake registry is no proxy")

    def proxy_request(self):
        """An absolute-URI request (a client using this as its HTTP proxy)."""
        if self.path.startswith("/"):
            return False
        self.do_CONNECT()
        return True

    def do_POST(self):
        self.error(405, "UNSUPPORTED", "read-only fake registry")

    do_PUT = do_DELETE = do_PATCH = do_POST


class StorageHandler(Handler):
    listener = "storage"

    def do_GET(self):
        if self.proxy_request():
            return None
        u = urlsplit(self.path)
        digest = u.path[len("/storage/"):] if u.path.startswith("/storage/") else ""
        sig = parse_qs(u.query).get("sig", [""])[0]
        if self.headers.get("Authorization"):
            # What S3 says when a client forwards the registry's credentials.
            return self.error(400, "INVALID_ARGUMENT",
                              "Only one auth mechanism allowed: an Authorization header "
                              "reached storage")
        if not self.fake.blob_file(digest):
            return self.error(404, "BLOB_UNKNOWN", "no such blob in storage")
        if not self.fake.signed(sig, digest):
            return self.error(403, "SIGNATURE_DOES_NOT_MATCH", "missing or wrong sig")
        data = self.fake.blob(digest)
        rng = self.headers.get("Range", "")
        if rng.startswith("bytes=") and rng.endswith("-") and rng[6:-1].isdigit():
            start = int(rng[6:-1])
            if start >= len(data):
                return self.reply(416, b"", headers=[("Content-Range", f"bytes */{len(data)}")])
            end = len(data) - 1
            return self.reply(206, data[start:], "application/octet-stream",
                              [("Content-Range", f"bytes {start}-{end}/{len(data)}")])
        return self.reply(200, data, "application/octet-stream")


class ApiHandler(Handler):
    listener = "api"

    def challenge(self, repo, why="authentication required"):
        fake = self.fake
        host = f"127.0.0.1:{fake.port}"
        if repo is not None and repo.startswith("disguised/"):
            # "127.0.0.1:1" is a user and password here: the host is after "@"
            host = f"127.0.0.1:1@{host}"
        value = (f'Bearer realm="http://{host}/token",'
                 f'service="127.0.0.1:{fake.port}"')
        if repo is not None:
            value += f',scope="repository:{repo}:pull"'
        self.error(401, "UNAUTHORIZED", why, [("WWW-Authenticate", value)])

    def token(self, query):
        q = parse_qs(query)
        service = q.get("service", [""])[0]
        scopes = [s for v in q.get("scope", []) for s in v.split(" ") if s]
        log = f" service={service} scope={','.join(scopes) or '-'}"
        if service != f"127.0.0.1:{self.fake.port}":
            body = json.dumps({"details": f"unknown service {service!r}"}).encode()
            return self.reply(400, body, extra_log=log)
        header = self.headers.get("Authorization", "")
        user = None
        if header:
            good = "Basic " + base64.b64encode(self.fake.user.encode()).decode()
            if not self.fake.user or header != good:
                return self.reply(401, b'{"details": "incorrect username or password"}',
                                  extra_log=log)
            user = self.fake.user.split(":", 1)[0]
        repos = []
        for s in scopes:
            parts = s.split(":")
            if len(parts) != 3 or parts[0] != "repository" or "pull" not in parts[2].split(","):
                return self.reply(400, b'{"details": "bad scope"}', extra_log=log)
            if parts[1].startswith("priv/") and user is None:
                return self.reply(401, b'{"details": "authentication required"}',
                                  extra_log=log)
            repos.append(parts[1])
        tok = self.fake.grant(repos)
        body = json.dumps({"token": tok, "access_token": tok, "expires_in": 300,
                           "issued_at": "2023-11-14T22:13:20Z"}).encode()
        return self.reply(200, body, extra_log=log)

    def do_GET(self):
        if self.proxy_request():
            return None
        u = urlsplit(self.path)
        path = u.path
        if path == "/token":
            return self.token(u.query)
        if not path.startswith("/v2/"):
            return self.error(404, "NOT_FOUND", "not an API path")
        header = self.headers.get("Authorization", "")
        tok = header[7:].strip() if header[:7].lower() == "bearer " else None
        rest = path[4:]
        if rest == "":
            if tok is None or not self.fake.allowed(tok, None):
                return self.challenge(None)
            return self.reply(200, b"{}")
        parts = rest.rsplit("/", 2)
        if len(parts) != 3 or parts[1] not in ("manifests", "blobs") or not parts[0]:
            return self.error(404, "NOT_FOUND", "not an API path")
        repo, kind, ref = parts
        if tok is None or not self.fake.allowed(tok, repo):
            return self.challenge(repo)
        if repo not in self.fake.repos:
            return self.error(404, "NAME_UNKNOWN", f"repository {repo} not known")
        if kind == "blobs":
            if not self.fake.blob_file(ref):
                return self.error(404, "BLOB_UNKNOWN", "blob unknown to registry")
            loc = (f"http://127.0.0.1:{self.fake.storage_port}/storage/{ref}"
                   f"?sig={self.fake.sign(ref)}")
            return self.reply(307, b"", headers=[("Location", loc)])
        found = self.fake.manifest(repo, ref)
        if found is None:
            return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        mt, body = found
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        return self.reply(200, body, mt, [("Docker-Content-Digest", digest)])


def listener(handler, fake, port):
    cls = type(handler.__name__, (handler,), {"fake": fake})
    srv = ThreadingHTTPServer(("127.0.0.1", port), cls)
    srv.daemon_threads = True
    return srv


def main():
    ap = argparse.ArgumentParser(description="a fake registry with token auth")
    ap.add_argument("--layout", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--image", action="append", default=[])
    ap.add_argument("--schema1", action="append", default=[])
    ap.add_argument("--user", default="")
    args = ap.parse_args()
    fake = Fake(args)
    api = listener(ApiHandler, fake, args.port)
    storage = listener(StorageHandler, fake, 0)
    fake.port = api.server_address[1]
    fake.storage_port = storage.server_address[1]
    threading.Thread(target=storage.serve_forever, daemon=True).start()
    ready = f"{fake.port} {fake.storage_port}\n"
    if os.path.exists(args.ready) and stat.S_ISFIFO(os.stat(args.ready).st_mode):
        # A FIFO the caller reads (with a timeout): no polling.
        with open(args.ready, "w", encoding="utf-8") as f:
            f.write(ready)
    else:
        with open(args.ready + ".tmp", "w", encoding="utf-8") as f:
            f.write(ready)
        os.rename(args.ready + ".tmp", args.ready)
    # Orphaned (the test shell gone without killing us): stop.
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            threading.Event().wait(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    api.serve_forever()


if __name__ == "__main__":
    main()
