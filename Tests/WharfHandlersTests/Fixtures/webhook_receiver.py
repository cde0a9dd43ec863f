#!/usr/bin/env python3
"""A webhook receiver for the handler tests, written the way a user's receiver would be.

Listens on 127.0.0.1 (port printed on the first stdout line). The request path picks the
answer: /status/<code>[?retry_after=N]. Every request is appended to the JSON-lines file given
as argv[1], with its headers, body and whether the Wharf-Signature verified with the secret in
argv[2] (HMAC-SHA256 over "<t>.<body>", hex, constant-time compare, 5-minute tolerance).
"""
import hashlib
import hmac
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlparse, parse_qs

LOG = sys.argv[1]
SECRET = sys.argv[2].encode()


def verify(header, body):
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts:
        return False
    if abs(time.time() - int(parts["t"])) > 300:
        return False
    expected = hmac.new(SECRET, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        url = urlparse(self.path)
        code = int(url.path.rsplit("/", 1)[-1])
        query = parse_qs(url.query)
        with open(LOG, "a") as log:
            log.write(json.dumps({
                "path": url.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode(),
                "signature_ok": verify(self.headers.get("Wharf-Signature", ""), body),
            }) + "\n")
        self.send_response(code)
        if "retry_after" in query:
            self.send_header("Retry-After", query["retry_after"][0])
        # 204 and 304 responses carry no body (RFC 9110).
        answer = b"" if code in (204, 304) else b"answer body for %d" % code
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
