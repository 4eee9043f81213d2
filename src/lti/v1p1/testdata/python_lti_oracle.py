"""Independent LTI 1.1 oracle for interop.test.ts: Debian's python3-lti and python3-oauthlib.

Reads a JSON list of operations on stdin and writes a JSON list of results on stdout. Run with
/usr/bin/python3 (Debian's packages are not on other interpreters' paths).
"""
import base64
import hashlib
import json
import sys
from urllib.parse import urlparse

from lti import OutcomeRequest, OutcomeResponse, ToolConsumer, ToolProvider
from oauthlib.oauth1 import Client, RequestValidator, SignatureOnlyEndpoint
from oauthlib.oauth1.rfc5849 import SIGNATURE_TYPE_AUTH_HEADER, signature


class Validator(RequestValidator):
    """Accepts any key and nonce shape; the secret comes from the operation."""

    def __init__(self, secret):
        super().__init__()
        self.secret = secret

    enforce_ssl = False
    client_key_length = (1, 100)
    nonce_length = (1, 100)
    dummy_client = "dummy"

    def check_client_key(self, key):
        return True

    def check_nonce(self, nonce):
        return True

    def validate_client_key(self, key, request):
        return True

    def validate_timestamp_and_nonce(self, *args, **kwargs):
        return True

    def get_client_secret(self, key, request):
        return self.secret


def base_string(op):
    uri = op["url"]
    params = signature.collect_parameters(
        uri_query=urlparse(uri).query, body=[tuple(p) for p in op["params"]], exclude_oauth_signature=True
    )
    normalized = signature.normalize_parameters(params)
    return signature.signature_base_string(op["method"], signature.base_string_uri(uri), normalized)


def run(op):
    kind = op["op"]
    if kind == "base_string":
        return base_string(op)
    if kind == "verify_launch":
        tp = ToolProvider.from_unpacked_request(op["secret"], op["params"], op["url"], {})
        return tp.is_valid_request(Validator(op["secret"]))
    if kind == "sign_launch":
        tc = ToolConsumer(op["key"], op["secret"], params=op["params"], launch_url=op["url"])
        return tc.generate_launch_data()
    if kind == "sign_pox":
        client = Client(op["key"], client_secret=op["secret"], signature_type=SIGNATURE_TYPE_AUTH_HEADER)
        _, headers, _ = client.sign(op["url"], "POST", body=op["body"], headers={"Content-Type": "application/xml"})
        return headers["Authorization"]
    if kind == "verify_pox":
        endpoint = SignatureOnlyEndpoint(Validator(op["secret"]))
        headers = {"Authorization": op["authorization"], "Content-Type": "application/xml"}
        valid, request = endpoint.validate_request(op["url"], "POST", op["body"], headers)
        expected = base64.b64encode(hashlib.sha1(op["body"].encode("utf-8")).digest()).decode()
        return valid and dict(request.oauth_params).get("oauth_body_hash") == expected
    if kind == "pox_request_xml":
        req = OutcomeRequest({"lis_result_sourcedid": op["sourcedId"], "message_identifier": op["messageIdentifier"]})
        req.operation = op["operation"]
        req.score = op.get("score")
        return req.generate_request_xml().decode("utf-8")
    if kind == "parse_pox_request":
        req = OutcomeRequest()
        req.process_xml(op["xml"].encode("utf-8"))
        return {
            "operation": req.operation,
            "sourcedId": str(req.lis_result_sourcedid),
            "messageIdentifier": req.message_identifier,
            "score": req.score,
        }
    if kind == "parse_pox_response":
        res = OutcomeResponse()
        res.process_xml(op["xml"].encode("utf-8"))
        return {
            "success": res.is_success(),
            "codeMajor": str(res.code_major),
            "messageRefIdentifier": res.message_ref_identifier,
            "operation": str(res.operation),
            "score": None if res.score is None else str(res.score),
        }
    raise ValueError("unknown op " + kind)


def main():
    ops = json.load(sys.stdin)
    out = []
    for op in ops:
        try:
            out.append({"ok": run(op)})
        except Exception as e:  # report, so the test shows which operation failed
            out.append({"error": type(e).__name__ + ": " + str(e)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
