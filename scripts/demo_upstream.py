#!/usr/bin/env python3
"""Demo upstream for Palisade: answers every request with 200 and a JSON echo of what it got.

Stdlib only, so it runs anywhere Python 3 does (make run, the e2e tests, the docker-compose demo).
It also sends `Server: demo-upstream` and `X-Powered-By: demo`, so you can see Palisade strip them.

    python3 scripts/demo_upstream.py [--host 127.0.0.1] [--port 8081]
"""

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Bodies longer than this are cut in the echo (the byte count is still reported).
ECHO_BODY_LIMIT = 64 * 1024


def _read_chunked(rfile):
    body = bytearray()
    while True:
        size_line = rfile.readline(1024)
        if not size_line:
            raise ConnectionAbortedError("the body ended before its last chunk")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            # Trailers until the empty line.
            while rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                pass
            break
        body += rfile.read(size)
        rfile.readline(8)  # CRLF after the chunk
    return bytes(body)


class EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "demo-upstream"
    sys_version = ""
    # Filled by the owner (tests read what arrived).
    quiet = True

    def _handle(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = _read_chunked(self.rfile)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
        headers = {}
        for name, value in self.headers.raw_items():
            key = name.lower()
            headers[key] = value if key not in headers else headers[key] + ", " + value
        echo = {
            "method": self.command,
            "path": self.path,
            "headers": headers,
            "body": body[:ECHO_BODY_LIMIT].decode("utf-8", "replace"),
            "body_bytes": len(body),
        }
        recorder = getattr(self.server, "record", None)
        if recorder is not None:
            recorder(echo)
        payload = json.dumps(echo, indent=2).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Powered-By", "demo")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def version_string(self):
        return "demo-upstream"

    def log_message(self, fmt, *args):
        if not self.quiet:
            sys.stderr.write("demo-upstream: %s %s\n" % (self.address_string(), fmt % args))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def __getattr__(self, name):
        # Any other method (PROPFIND, custom tokens...) is echoed too.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)


class EchoServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A proxy that resets a request it denied mid-body is normal here, not worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def __init__(self, address, record=None):
        if ":" in address[0]:
            import socket

            self.address_family = socket.AF_INET6
        super().__init__(address, EchoHandler)
        self.record = record


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args()
    EchoHandler.quiet = not args.verbose
    server = EchoServer((args.host, args.port))
    print(f"demo-upstream listening on http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
