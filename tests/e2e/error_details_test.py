#!/usr/bin/python3
"""End-to-end: every error carries a google.rpc.ErrorInfo a client can
branch on, over gRPC and through the gateway.

A grpcurl-style client, driven by server reflection alone, provokes errors
from every service (a missing resource, an invalid field) and decodes the
`grpc-status-details-bin` trailer as a google.rpc.Status: it must hold an
ErrorInfo whose reason is a crm.type.v1.ErrorReason name (RESOURCE_NOT_FOUND
for NOT_FOUND) and whose domain is the service. The same errors through the
gateway must come back in Google's JSON error shape with the service's
ErrorInfo in `details`, and the gateway's own errors with its reasons in
the "gateway" domain.

    ctest -R e2e_error_details --output-on-failure
"""

import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402 pylint: disable=wrong-import-position
from harness import SERVICES, Suite  # noqa: E402

ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"
ERROR_REASON_ENUM = "crm.type.v1.ErrorReason"

# (service name, method, request as proto3 JSON, expected gRPC code name)
# per service: a Get of a missing resource where the service has one, and an
# invalid field.
GRPC_CASES = {
    "customer-profile": [
        ("GetCustomer", {"name": "customers/doesnotexist"}, "NOT_FOUND"),
        ("CreateCustomer", {"customer": {"email": "not an email address"}},
         "INVALID_ARGUMENT"),
    ],
    "segmentation": [
        ("GetSegment", {"name": "segments/doesnotexist"}, "NOT_FOUND"),
        ("CreateSegment", {"segment": {"rule": 'country = "CN"'}},
         "INVALID_ARGUMENT"),
    ],
    "loyalty": [
        ("GetProgram", {"name": "programs/doesnotexist"}, "NOT_FOUND"),
        ("AdjustPoints", {"account": "accounts/c1", "pointsDelta": "0",
                          "reason": "x", "requestId": "r-1"},
         "INVALID_ARGUMENT"),
    ],
    "feedback": [
        ("SubmitFeedback", {"feedback": {"channel": "app", "rating": 2}},
         "INVALID_ARGUMENT"),
        ("ListFeedback", {"filter": 'password = "x"'}, "INVALID_ARGUMENT"),
    ],
}

# The same kinds of errors through the gateway:
# (label, method, path, body, HTTP status, code name, domain)
HTTP_CASES = [
    ("missing customer", "GET", "/v1/customers/doesnotexist", None, 404,
     "NOT_FOUND", "customer-profile"),
    ("invalid customer", "POST", "/v1/customers",
     {"email": "not an email address"}, 400, "INVALID_ARGUMENT",
     "customer-profile"),
    ("missing segment", "GET", "/v1/segments/doesnotexist", None, 404,
     "NOT_FOUND", "segmentation"),
    ("invalid segment", "POST", "/v1/segments", {"rule": 'country = "CN"'},
     400, "INVALID_ARGUMENT", "segmentation"),
    ("missing programme", "GET", "/v1/programs/doesnotexist", None, 404,
     "NOT_FOUND", "loyalty"),
    ("invalid adjustment", "POST", "/v1/accounts/c1:adjustPoints",
     {"pointsDelta": "0", "reason": "x", "requestId": "r-1"}, 400,
     "INVALID_ARGUMENT", "loyalty"),
    ("invalid feedback", "POST", "/v1/feedback",
     {"channel": "app", "rating": 2}, 400, "INVALID_ARGUMENT", "feedback"),
    ("invalid feedback filter", "GET",
     "/v1/feedback?filter=password%20%3D%20%22x%22", None, 400,
     "INVALID_ARGUMENT",
     "feedback"),
]

# Errors the gateway makes itself:
# (label, method, path, body, headers, HTTP status, code name, reason)
GATEWAY_CASES = [
    ("unknown route", "GET", "/v1/nothing-here", None, None, 404,
     "NOT_FOUND", "ROUTE_NOT_FOUND"),
    ("wrong method", "DELETE", "/v1/customers", None, None, 405,
     "UNIMPLEMENTED", "METHOD_NOT_ALLOWED"),
    ("malformed JSON", "POST", "/v1/customers", b'{"givenName": ', None, 400,
     "INVALID_ARGUMENT", "BODY_MALFORMED"),
    ("unknown JSON field", "POST", "/v1/customers", {"shoeSize": 44}, None,
     400, "INVALID_ARGUMENT", "FIELD_INVALID"),
    ("bad query parameter", "GET", "/v1/customers?page_size=ten", None, None,
     400, "INVALID_ARGUMENT", "FIELD_INVALID"),
    ("body too large", "POST", "/v1/segments",
     b'{"displayName": "' + b"x" * (2 << 20) + b'"}', None, 413,
     "RESOURCE_EXHAUSTED", "REQUEST_TOO_LARGE"),
]


class ErrorDetailsTest(unittest.TestCase):
    suite = None
    _failed = False

    @classmethod
    def setUpClass(cls):
        cls.suite = Suite.start()

    @classmethod
    def tearDownClass(cls):
        if cls.suite is not None:
            codes = cls.suite.stop(dump_logs=cls._failed)
            cls.suite = None
            bad = {name: code for name, code in codes.items() if code != 0}
            if bad:
                raise AssertionError(
                    f"binaries did not exit 0 on SIGTERM: {bad} (logs above)")

    def run(self, result=None):
        result = super().run(result)
        if result is not None and (result.failures or result.errors):
            type(self)._failed = True
        return result

    # --- helpers -----------------------------------------------------------

    def error_reasons(self):
        """Every crm.type.v1.ErrorReason name, learned over reflection."""
        with self.suite.channel("customer-profile") as channel:
            client = harness.ReflectionClient(channel)
            client.load(ERROR_REASON_ENUM)
            names = set(client.enum_names(ERROR_REASON_ENUM))
        self.assertIn("RESOURCE_NOT_FOUND", names)
        names.discard("ERROR_REASON_UNSPECIFIED")
        return names

    def assert_error_info(self, info, reasons, domain, code_name, where):
        self.assertIn(info["reason"], reasons,
                      f"{where}: reason {info['reason']!r} is not an "
                      "ErrorReason name")
        self.assertEqual(info["domain"], domain, where)
        if code_name == "NOT_FOUND":
            self.assertEqual(info["reason"], "RESOURCE_NOT_FOUND", where)

    def http_error(self, method, path, body=None, headers=None):
        """(HTTP status, the "error" object, its ErrorInfo as a dict)."""
        status, _, response = self.suite.http(method, path, body, headers,
                                              timeout=30)
        where = f"{method} {path}"
        self.assertIsInstance(response, dict, f"{where}: {response!r}")
        self.assertIn("error", response, where)
        error = response["error"]
        self.assertEqual(error.get("code"), status, f"{where}: {error}")
        self.assertIsInstance(error.get("message"), str, where)
        self.assertIsInstance(error.get("details"), list, f"{where}: {error}")
        for detail in error["details"]:
            self.assertIn("@type", detail, f"{where}: {error}")
        infos = [d for d in error["details"]
                 if d["@type"] == ERROR_INFO_TYPE]
        self.assertEqual(len(infos), 1, f"{where}: {error}")
        return status, error, infos[0]

    # --- tests ---------------------------------------------------------------

    def test_every_service_sends_error_info_over_grpc(self):
        import grpc  # pylint: disable=import-outside-toplevel
        _, error_details_pb2 = harness.rpc_stubs()
        reasons = self.error_reasons()
        for name, _, _, service, _ in SERVICES:
            with self.suite.channel(name) as channel:
                client = harness.ReflectionClient(channel)
                client.load(service)
                for method, request, code_name in GRPC_CASES[name]:
                    where = f"{name} {method}"
                    with self.subTest(where):
                        with self.assertRaises(grpc.RpcError) as raised:
                            client.call(service, method, request)
                        rpc_error = raised.exception
                        self.assertEqual(rpc_error.code().name, code_name,
                                         f"{where}: {rpc_error.details()}")
                        status = harness.rpc_error_details(rpc_error)
                        self.assertIsNotNone(
                            status, f"{where}: no grpc-status-details-bin")
                        self.assertEqual(status.code, rpc_error.code().value[0],
                                         where)
                        infos = []
                        for detail in status.details:
                            if detail.type_url == ERROR_INFO_TYPE:
                                info = error_details_pb2.ErrorInfo()
                                self.assertTrue(detail.Unpack(info), where)
                                infos.append(info)
                            elif detail.type_url == BAD_REQUEST_TYPE:
                                bad_request = error_details_pb2.BadRequest()
                                self.assertTrue(detail.Unpack(bad_request),
                                                where)
                                for violation in bad_request.field_violations:
                                    self.assertTrue(violation.field, where)
                        self.assertEqual(len(infos), 1, f"{where}: {status}")
                        self.assert_error_info(
                            {"reason": infos[0].reason,
                             "domain": infos[0].domain},
                            reasons, name, code_name, where)

    def test_gateway_passes_every_services_error_info_through(self):
        reasons = self.error_reasons()
        for label, method, path, body, http_status, code_name, domain in (
                HTTP_CASES):
            with self.subTest(label):
                status, error, info = self.http_error(method, path, body)
                self.assertEqual(status, http_status, f"{label}: {error}")
                self.assertEqual(error["status"], code_name, label)
                self.assert_error_info(info, reasons, domain, code_name,
                                       label)

    def test_gateway_errors_carry_the_gateway_reasons(self):
        reasons = self.error_reasons()
        for (label, method, path, body, headers, http_status, code_name,
             reason) in GATEWAY_CASES:
            with self.subTest(label):
                status, error, info = self.http_error(method, path, body,
                                                      headers)
                self.assertEqual(status, http_status, f"{label}: {error}")
                self.assertEqual(error["status"], code_name, label)
                self.assertEqual(info["reason"], reason, label)
                self.assertIn(info["reason"], reasons, label)
                self.assertEqual(info["domain"], "gateway", label)

    def test_zz_stopped_backend_is_backend_unavailable(self):
        # Runs last (unittest orders by name): it stops segmentation.
        self.assertEqual(self.suite.terminate("segmentation"), 0)
        status, error, info = self.http_error("GET", "/v1/segments/s1")
        self.assertEqual(status, 503, error)
        self.assertEqual(error["status"], "UNAVAILABLE", error)
        self.assertEqual(info["reason"], "BACKEND_UNAVAILABLE", error)
        self.assertEqual(info["domain"], "gateway", error)
        self.assertEqual(info.get("metadata", {}).get("backend"),
                         "segmentation", error)


def _terminate_on_sigterm(signum, _frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate_on_sigterm)
    unittest.main(verbosity=2)
