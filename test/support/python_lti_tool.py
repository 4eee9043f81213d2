"""An independent LTI 1.1 tool for tests: Debian's python3-lti (RFC 5849-exact through oauthlib) behind
http.server on a loopback address. Run with /usr/bin/python3 (Debian's packages are not on other
interpreters' paths): python_lti_tool.py HOST KEY SECRET. It prints "listening <port>" once ready.

  POST /launch?tenant=abc   validates the launch with ToolProvider.is_valid_request (signature over the
                            URL it was reached at, query included; nonces never seen before), records it
                            and answers with a small page
  GET  /launches            the recorded launches as JSON: [{valid, error, params}]
  POST /grade               {"index": n, "score": s}: python-lti's own outcome client (OutcomeRequest,
                            requests-oauthlib with oauth_body_hash) sends replaceResult for launch n, then
                            readResult; answers {"replace": {...}, "read": {...}}
"""
import html
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from lti import ToolProvider
from oauthlib.oauth1 import RequestValidator

HOST, KEY, SECRET = sys.argv[1], sys.argv[2], sys.argv[3]
launches = []
providers = []
seen_nonces = set()


class Validator(RequestValidator):
    enforce_ssl = False
    client_key_length = (1, 100)
    nonce_length = (1, 100)
    dummy_client = "dummy"

    def check_client_key(self, key):
        return True

    def check_nonce(self, nonce):
        return True

    def validate_client_key(self, key, request):
        return key == KEY

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, **kwargs):
        if (client_key, nonce) in seen_nonces:
            return False
        seen_nonces.add((client_key, nonce))
        return True

    def get_client_secret(self, key, request):
        return SECRET


def outcome(res):
    return {
        "success": bool(res.is_success()),
        "codeMajor": str(res.code_major),
        "description": str(res.description or ""),
        "score": None if res.score is None else str(res.score),
    }


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, content_type):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")

    def do_GET(self):
        if self.path == "/launches":
            return self.send(200, json.dumps(launches), "application/json")
        self.send(404, "not found", "text/plain")

    def do_POST(self):
        if self.path.startswith("/launch"):
            params = dict(parse_qsl(self.body(), keep_blank_values=True))
            url = "http://%s:%d%s" % (HOST, self.server.server_port, self.path)
            entry = {"valid": False, "error": None, "params": params}
            try:
                tp = ToolProvider.from_unpacked_request(SECRET, params, url, dict(self.headers))
                entry["valid"] = bool(tp.is_valid_request(Validator()))
                providers.append(tp)
            except Exception as e:  # report the reason to the test
                entry["error"] = type(e).__name__ + ": " + str(e)
                providers.append(None)
            launches.append(entry)
            who = html.escape(params.get("lis_person_name_full", "someone"))
            status = 200 if entry["valid"] else 401
            title = "Launch OK" if entry["valid"] else "Launch refused"
            return self.send(status, "<!doctype html><title>%s</title><h1>%s</h1><p>Hello %s</p>" % (title, title, who), "text/html; charset=utf-8")
        if self.path == "/grade":
            req = json.loads(self.body())
            tp = providers[req["index"]]
            replaced = tp.post_replace_result(req["score"])
            read = tp.post_read_result()
            return self.send(200, json.dumps({"replace": outcome(replaced), "read": outcome(read)}), "application/json")
        self.send(404, "not found", "text/plain")


server = ThreadingHTTPServer((HOST, 0), Handler)
print("listening %d" % server.server_port, flush=True)
server.serve_forever()
