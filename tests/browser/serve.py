#!/usr/bin/env python3
"""Static server for the browser tests.

Serves ROOT (viewer/dist + fixture data) like `visivo serve` does: files under
data/ and assets 404 when absent, any other path falls back to index.html.
The same tree is also mounted under --mount (a sub-path, e.g. /sub/dir/).

With --events it also offers the live-reload channel `api/events`
(server-sent events) and a test-only `POST /__test/emit` whose JSON body is
broadcast to every connected client.

Prints "PORT <n>" once listening.
"""
import argparse
import os
import re
import sys
import threading
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

ASSET_RE = re.compile(r"^\S*(\.png|\.ico|\.js|\.css|\.webmanifest|\.js\.map|\.css\.map|\.json|\.svg)$")


class Hub:
    def __init__(self):
        self.cond = threading.Condition()
        self.events = []  # list of str

    def publish(self, data):
        with self.cond:
            self.events.append(data)
            self.cond.notify_all()


def make_handler(root, mounts, hub):
    class Handler(SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def __init__(self, *a, **kw):
            super().__init__(*a, directory=root, **kw)

        def log_message(self, fmt, *args):  # quiet
            if os.environ.get("SERVE_VERBOSE"):
                super().log_message(fmt, *args)

        def end_headers(self):
            self.send_header("Cache-Control", "no-cache, max-age=0")
            super().end_headers()

        def _strip_mount(self, path):
            for m in mounts:
                if path == m.rstrip("/"):
                    return None  # redirect to the slash form
                if path.startswith(m):
                    return "/" + path[len(m):]
            return path

        def do_POST(self):
            if hub and self.path == "/__test/emit":
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode()
                hub.publish(body)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_error(404)

        def _events(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "keep-alive")
            self.end_headers()
            self.close_connection = True
            with hub.cond:
                seen = len(hub.events)
            try:
                self.wfile.write(b": connected\n\n")
                self.wfile.flush()
                while True:
                    with hub.cond:
                        hub.cond.wait_for(lambda: len(hub.events) > seen, timeout=10)
                        new = hub.events[seen:]
                        seen = len(hub.events)
                    for data in new:
                        self.wfile.write(("data: " + data.replace("\n", "\ndata: ") + "\n\n").encode())
                    if not new:
                        self.wfile.write(b": ping\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                return

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            parsed = urllib.parse.urlsplit(self.path)
            path = self._strip_mount(parsed.path)
            if path is None:
                self.send_response(301)
                self.send_header("Location", parsed.path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if hub and path == "/api/events":
                return self._events()
            fs = os.path.join(root, urllib.parse.unquote(path).lstrip("/"))
            if path.startswith("/data/") or ASSET_RE.match(path) or os.path.isfile(fs) or path == "/":
                self.path = path + (("?" + parsed.query) if parsed.query else "")
                return super().do_GET()
            self.path = "/index.html"
            return super().do_GET()

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--mount", action="append", default=[])
    ap.add_argument("--events", action="store_true")
    args = ap.parse_args()
    mounts = [m if m.endswith("/") else m + "/" for m in args.mount]
    hub = Hub() if args.events else None
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(os.path.abspath(args.root), mounts, hub))
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
