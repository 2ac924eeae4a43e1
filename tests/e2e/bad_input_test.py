#!/usr/bin/python3
"""End-to-end: bad input of every kind through the gateway.

A matrix of malformed requests against the customer, order, event, import,
segment, loyalty and feedback routes: wrong JSON types, unknown fields,
invalid UTF-8 (body and path), over-long strings, bad page sizes, SQL
metacharacters, empty and non-JSON bodies, an oversized body, int64
overflow, negative money, unknown enum strings. Every answer must be a 4xx
in Google's JSON error shape whose ErrorInfo or BadRequest names the field
or parameter, never a 5xx; afterwards the suite
is ready, every process is alive, the tables exist and nothing was
half-written.

    ctest -R e2e_bad_input --output-on-failure
"""

import os
import signal
import socket
import sys
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402 pylint: disable=wrong-import-position
from harness import Suite  # noqa: E402

LONG = "x" * 10000
SQL_DROP = "'; DROP TABLE customers; --"
SQL_OR = '" OR 1=1 --'
BIG_INT64 = "99999999999999999999999"
ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"
GOOGLE_RPC_CODES = {
    "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
    "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}


def squash(text):
    """Lower case without '_': "given_name" and "givenName" compare equal."""
    return text.replace("_", "").lower()


def q(text):
    return urllib.parse.quote(text, safe="")


class BadInputTest(unittest.TestCase):
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

    def http(self, method, path, body=None, headers=None):
        return self.suite.http(method, path, body, headers, timeout=30)

    def create_customer(self, **fields):
        status, _, customer = self.http("POST", "/v1/customers", fields)
        self.assertEqual(status, 200, customer)
        return customer

    def list_customers(self):
        names, token = [], ""
        for _ in range(100):
            status, _, page = self.http(
                "GET", f"/v1/customers?page_size=1000&page_token={q(token)}")
            self.assertEqual(status, 200, page)
            names += [c["name"] for c in page.get("customers", [])]
            token = page.get("nextPageToken", "")
            if not token:
                break
        return names

    def segment_names(self):
        status, _, page = self.http("GET", "/v1/segments?page_size=1000")
        self.assertEqual(status, 200, page)
        return sorted(s["name"] for s in page.get("segments", []))

    def assert_client_error(self, status, body, field=None, http_status=None):
        """A 4xx (or exactly `http_status`) error in Google's JSON error
        shape: a google.rpc.Code name in `status`, one google.rpc.ErrorInfo
        with a reason, and, when `field` is given (any of them when a
        tuple), the field named by the ErrorInfo's `field` metadata or a
        google.rpc.BadRequest field violation."""
        self.assertLess(status, 500, body)
        self.assertGreaterEqual(status, 400, body)
        if http_status is not None:
            self.assertEqual(status, http_status, body)
        self.assertIsInstance(body, dict, body)
        self.assertIn("error", body, body)
        error = body["error"]
        self.assertEqual(error.get("code"), status, body)
        self.assertIn(error.get("status"), GOOGLE_RPC_CODES, body)
        self.assertTrue(error.get("message"), body)
        details = error.get("details", [])
        infos = [d for d in details if d.get("@type") == ERROR_INFO_TYPE]
        self.assertEqual(len(infos), 1, body)
        self.assertRegex(infos[0].get("reason", ""), r"^[A-Z][A-Z0-9_]*$",
                         body)
        if field is not None:
            fields = field if isinstance(field, tuple) else (field,)
            named = [infos[0].get("metadata", {}).get("field", "")]
            for detail in details:
                if detail.get("@type") == BAD_REQUEST_TYPE:
                    named += [v.get("field", "")
                              for v in detail.get("fieldViolations", [])]
            self.assertTrue(
                any(squash(f) in squash(n) for f in fields for n in named
                    if n),
                f"error details name none of {fields}: {body}")

    def raw_request(self, request_bytes):
        """Sends raw HTTP/1.1 bytes; returns (status, decoded JSON or text)."""
        with socket.create_connection(("127.0.0.1", self.suite.http_port),
                                      timeout=30) as s:
            s.sendall(request_bytes)
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        raw = b"".join(chunks)
        head, _, body = raw.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        text = body.decode("utf-8", errors="replace")
        try:
            return status, harness.json.loads(text)
        except ValueError:
            return status, text

    # --- the matrix ----------------------------------------------------------

    def test_bad_input_matrix(self):
        valid = self.create_customer(
            givenName="Valid", familyName="One",
            email=f"valid-{uuid.uuid4().hex[:8]}@example.com")
        cid = valid["name"].split("/", 1)[1]
        status, _, order = self.http(
            "POST", f"/v1/customers/{cid}/orders",
            {"channel": "web", "channelOrderId": "bad-input-1",
             "amount": {"currencyCode": "CNY", "amountMinor": "1000"},
             "orderTime": "2026-11-11T02:00:00Z"})
        self.assertEqual(status, 200, order)
        oid = order["name"].rsplit("/", 1)[1]
        # SQL metacharacters in names are data: stored and read back as is.
        sql_named = self.create_customer(givenName=SQL_DROP, familyName=SQL_OR)
        status, _, fetched = self.http("GET", "/v1/" + sql_named["name"])
        self.assertEqual(status, 200, fetched)
        self.assertEqual(fetched["givenName"], SQL_DROP)
        self.assertEqual(fetched["familyName"], SQL_OR)
        expected_customers = {valid["name"], sql_named["name"]}
        # A segment rule is parsed on write: SQL is not a rule, while
        # metacharacters inside a string literal are data, stored as sent.
        status, _, refused = self.http(
            "POST", "/v1/segments", {"displayName": "s", "rule": SQL_DROP})
        self.assert_client_error(status, refused, "segment.rule", 400)
        self.assertEqual([d.get("reason") for d in refused["error"]["details"]
                          if d.get("@type") == ERROR_INFO_TYPE],
                         ["FILTER_INVALID"], refused)
        literal_rule = 'country = "' + SQL_OR.replace('"', "") + '"'
        status, _, sql_segment = self.http(
            "POST", "/v1/segments", {"displayName": "s", "rule": literal_rule})
        self.assertEqual(status, 200, sql_segment)
        status, _, fetched = self.http("GET", "/v1/" + sql_segment["name"])
        self.assertEqual(status, 200, fetched)
        self.assertEqual(fetched["rule"], literal_rule)
        segments_before = self.segment_names()

        customers = "/v1/customers"
        patch = f"/v1/customers/{cid}?update_mask=locale"
        orders = f"/v1/customers/{cid}/orders"
        refund = f"/v1/customers/{cid}/orders/{oid}:refund"
        events = "/v1/events:batchRecord"
        adjust = f"/v1/accounts/{cid}:adjustPoints"
        good_event = {"customer": valid["name"], "eventId": "ev-1",
                      "type": "PAGE_VIEW", "channel": "web",
                      "eventTime": "2026-11-11T02:00:00Z"}
        good_order = {"channel": "web", "channelOrderId": "bad-input-2",
                      "amount": {"currencyCode": "CNY", "amountMinor": "10"},
                      "orderTime": "2026-11-11T02:00:00Z"}
        good_feedback = {"customer": valid["name"], "channel": "app",
                         "type": "COMPLAINT", "rating": 2, "text": "slow"}

        def order_with(**changes):
            body = dict(good_order, channelOrderId=f"bad-{uuid.uuid4().hex}")
            body.update(changes)
            return body

        def event_with(**changes):
            body = dict(good_event, eventId=f"ev-{uuid.uuid4().hex}")
            body.update(changes)
            return {"events": [body]}

        def feedback_with(**changes):
            return dict(good_feedback, **changes)

        # (label, method, path, body, field or None, exact status or None)
        cases = [
            # customers: create
            ("create wrong type", "POST", customers, {"givenName": 123},
             "given_name", 400),
            ("create list for string", "POST", customers,
             {"email": ["a@b.co"]}, "email", 400),
            ("create scalar for repeated", "POST", customers,
             {"tags": "vip"}, "tags", 400),
            ("create list for map", "POST", customers,
             {"attributes": ["a", "b"]}, "attributes", 400),
            ("create scalar for nested repeated", "POST", customers,
             {"address": {"countryCode": "CN"},
              "consents": [{"purpose": "PROFILING", "status": ["GRANTED"]}]},
             "status", 400),
            ("create unknown field", "POST", customers,
             {"givenName": "x", "favouriteColour": "red"},
             "favouriteColour", 400),
            ("create invalid utf-8 body", "POST", customers,
             b'{"givenName": "\xff\xfe\xfd"}', None, 400),
            ("create over-long name", "POST", customers,
             {"givenName": LONG}, "given_name", 400),
            ("create over-long email", "POST", customers,
             {"email": LONG + "@example.com"}, "email", 400),
            ("create sql in email", "POST", customers, {"email": SQL_DROP},
             "email", 400),
            ("create empty body", "POST", customers, b"", None, 400),
            ("create non-json", "POST", customers, b"hello, world", None,
             None),
            ("create json array", "POST", customers, b"[1, 2]", None, 400),
            ("create unknown enum", "POST", customers,
             {"givenName": "x", "gender": "ROBOT"}, "gender", 400),
            ("create wrong enum type", "POST", customers,
             {"givenName": "x", "state": {"a": 1}}, "state", 400),
            ("create bad birth date", "POST", customers,
             {"givenName": "x", "birthDate": 19900101}, "birth_date", 400),
            ("create bad country", "POST", customers,
             {"givenName": "x", "address": {"countryCode": SQL_DROP}},
             "country_code", 400),
            # customers: patch
            ("patch wrong type", "PATCH", patch, {"locale": 5}, "locale",
             400),
            ("patch unknown field", "PATCH", patch,
             {"locale": "en", "shoeSize": 44}, "shoeSize", 400),
            ("patch bad mask", "PATCH",
             f"/v1/customers/{cid}?update_mask={q(SQL_DROP)}",
             {"locale": "en"}, "update_mask", 400),
            ("patch over-long", "PATCH",
             f"/v1/customers/{cid}?update_mask=given_name",
             {"givenName": LONG}, "given_name", 400),
            ("patch empty body", "PATCH", patch, b"", None, None),
            ("patch invalid utf-8 path", "PATCH",
             "/v1/customers/%FF%FE?update_mask=locale", {"locale": "en"},
             None, None),
            ("patch sql id", "PATCH",
             f"/v1/customers/{q(SQL_DROP)}?update_mask=locale",
             {"locale": "en"}, None, None),
            # customers: get / list
            ("get sql id", "GET", f"/v1/customers/{q(SQL_OR)}", None, None,
             None),
            ("get invalid utf-8 id", "GET", "/v1/customers/%C3%28", None,
             None, None),
            ("list negative page_size", "GET",
             f"{customers}?page_size=-1", None, "page_size", 400),
            ("list non-integer page_size", "GET",
             f"{customers}?page_size=ten", None, "page_size", 400),
            ("list fractional page_size", "GET",
             f"{customers}?page_size=1.5", None, "page_size", 400),
            ("list int32 overflow page_size", "GET",
             f"{customers}?page_size={BIG_INT64}", None, "page_size", 400),
            ("list sql filter", "GET",
             f"{customers}?filter={q(SQL_OR)}", None, "filter", 400),
            ("list sql filter 2", "GET",
             f"{customers}?filter={q(SQL_DROP)}", None, "filter", 400),
            ("list unknown filter field", "GET",
             f"{customers}?filter={q('password = 1')}", None, "filter", 400),
            ("list bad order_by", "GET",
             f"{customers}?order_by={q(SQL_DROP)}", None, "order_by", 400),
            ("list bad page_token", "GET",
             f"{customers}?page_token={q(SQL_DROP)}", None, "page_token",
             400),
            ("list unknown param", "GET", f"{customers}?pagesize=5", None,
             "pagesize", 400),
            ("list invalid utf-8 filter", "GET",
             f"{customers}?filter=email%20%3D%20%22%FF%22", None, "filter",
             400),
            # orders: record
            ("order negative amount", "POST", orders,
             order_with(amount={"currencyCode": "CNY",
                                "amountMinor": "-100"}), "amount", 400),
            ("order int64 overflow", "POST", orders,
             order_with(amount={"currencyCode": "CNY",
                                "amountMinor": BIG_INT64}), "amount", 400),
            ("order amount wrong type", "POST", orders,
             order_with(amount="100 CNY"), "amount", 400),
            ("order unknown currency", "POST", orders,
             order_with(amount={"currencyCode": "ZZZ",
                                "amountMinor": "100"}), "currency", 400),
            ("order over-long id", "POST", orders,
             order_with(channelOrderId=LONG), "channel_order_id", 400),
            ("order bad time", "POST", orders,
             order_with(orderTime="yesterday"), "order_time", 400),
            ("order unknown field", "POST", orders,
             order_with(discountCode="X"), "discountCode", 400),
            ("order empty body", "POST", orders, b"", None, None),
            ("order sql customer", "POST",
             f"/v1/customers/{q(SQL_DROP)}/orders", order_with(), None,
             None),
            ("order negative quantity", "POST", orders,
             order_with(lineItems=[{"sku": "a", "quantity": "-2",
                                    "unitPrice": {"currencyCode": "CNY",
                                                  "amountMinor": "5"}}]),
             "quantity", 400),
            ("orders list negative page_size", "GET",
             f"{orders}?page_size=-3", None, "page_size", 400),
            # orders: refund
            ("refund negative", "POST", refund,
             {"refundId": "r-neg", "amount": {"currencyCode": "CNY",
                                              "amountMinor": "-5"}},
             "amount", 400),
            ("refund wrong type", "POST", refund,
             {"refundId": "r-type", "amount": "ten"}, "amount", 400),
            ("refund overflow", "POST", refund,
             {"refundId": "r-big", "amount": {"currencyCode": "CNY",
                                              "amountMinor": BIG_INT64}},
             "amount", 400),
            ("refund over-long id", "POST", refund,
             {"refundId": LONG, "amount": {"currencyCode": "CNY",
                                           "amountMinor": "1"}},
             "refund_id", 400),
            ("refund sql order id", "POST",
             f"/v1/customers/{cid}/orders/{q(SQL_OR)}:refund",
             {"refundId": "r-sql", "amount": {"currencyCode": "CNY",
                                              "amountMinor": "1"}},
             None, None),
            # events
            ("events unknown enum", "POST", events,
             event_with(type="TELEPATHY"), "type", 400),
            ("events wrong container", "POST", events, {"events": {}},
             "events", 400),
            ("events over-long id", "POST", events, event_with(eventId=LONG),
             "event_id", 400),
            ("events unknown field", "POST", events,
             {"events": [], "mood": "happy"}, "mood", 400),
            ("events sql customer", "POST", events,
             event_with(customer="customers/" + SQL_DROP), None, None),
            ("events invalid utf-8", "POST", events,
             b'{"events": [{"eventId": "\xc3\x28"}]}', None, 400),
            # import upload
            ("import invalid utf-8 header", "POST", "/v1/customers:import",
             b"email,given\xff_name\na@x.com,a\n", None, 400,
             {"Content-Type": "text/csv"}),
            ("import unknown column", "POST", "/v1/customers:import",
             b"email,drop_table_customers\na@b.co,x\n",
             "drop_table_customers", 400, {"Content-Type": "text/csv"}),
            ("import empty", "POST", "/v1/customers:import", b"", None, 400,
             {"Content-Type": "text/csv"}),
            # segments
            ("segment wrong type", "POST", "/v1/segments",
             {"displayName": 5, "rule": 'country = "CN"'}, "display_name",
             400),
            ("segment over-long name", "POST", "/v1/segments",
             {"displayName": LONG, "rule": 'country = "CN"'},
             "display_name", 400),
            ("segment unknown field", "POST", "/v1/segments",
             {"displayName": "s", "rule": 'country = "CN"', "owner": "me"},
             "owner", 400),
            ("segments negative page_size", "GET",
             "/v1/segments?page_size=-5", None, "page_size", 400),
            ("segment sql id", "GET", f"/v1/segments/{q(SQL_DROP)}", None,
             None, None),
            # loyalty
            ("points non-integer", "POST", adjust,
             {"pointsDelta": "abc", "reason": "x", "requestId": "p1"},
             "points_delta", 400),
            ("points int64 overflow", "POST", adjust,
             {"pointsDelta": BIG_INT64, "reason": "x", "requestId": "p2"},
             "points_delta", 400),
            ("points unknown field", "POST", adjust,
             {"pointsDelta": "1", "reason": "x", "requestId": "p3",
              "bonus": True}, "bonus", 400),
            ("points over-long reason", "POST", adjust,
             {"pointsDelta": "1", "reason": LONG, "requestId": "p4"},
             "reason", 400),
            ("points sql account", "POST",
             f"/v1/accounts/{q(SQL_DROP)}:adjustPoints",
             {"pointsDelta": "1", "reason": "x", "requestId": "p5"}, None,
             None),
            ("points empty body", "POST", adjust, b"", None, None),
            # feedback
            ("feedback unknown enum", "POST", "/v1/feedback",
             feedback_with(type="NOT_A_TYPE"), "type", 400),
            ("feedback rating wrong type", "POST", "/v1/feedback",
             feedback_with(rating="two"), "rating", 400),
            ("feedback over-long customer", "POST", "/v1/feedback",
             feedback_with(customer=f"customers/{LONG}"), "customer", 400),
            ("feedback bare customer id", "POST", "/v1/feedback",
             feedback_with(customer=cid), "customer", 400),
            ("feedback unknown field", "POST", "/v1/feedback",
             feedback_with(sentiment="angry"), "sentiment", 400),
            ("feedback sql filter", "GET",
             f"/v1/feedback?filter={q(SQL_OR)}", None, "filter", 400),
            ("feedback non-integer page_size", "GET",
             "/v1/feedback?page_size=1e3", None, "page_size", 400),
            ("feedback non-json", "POST", "/v1/feedback", b"<xml/>", None,
             None, {"Content-Type": "application/xml"}),
        ]
        # A 2 MiB body on every single-resource JSON route: 413 (their
        # limit is 1 MiB); the batch route's limit is 4 MiB: 5 MiB is 413.
        big = b'{"givenName": "' + b"y" * (2 * 1024 * 1024) + b'"}'
        for label, path in [("customers", customers), ("orders", orders),
                            ("segments", "/v1/segments"),
                            ("adjust", adjust), ("feedback", "/v1/feedback")]:
            cases.append((f"2 MiB body {label}", "POST", path, big, None,
                          413))
        huge = b'{"events": "' + b"y" * (5 * 1024 * 1024) + b'"}'
        cases.append(("5 MiB body events", "POST", events, huge, None, 413))

        for case in cases:
            label, method, path, body, field, exact = case[:6]
            headers = case[6] if len(case) > 6 else None
            with self.subTest(label):
                status, _, response = self.http(method, path, body, headers)
                self.assert_client_error(status, response, field, exact)

        # Invalid UTF-8 bytes raw in the request target.
        for label, target in [("raw path", b"/v1/customers/\xff\xfe"),
                              ("raw query",
                               b"/v1/customers?filter=\xc3\x28")]:
            with self.subTest(label):
                status, response = self.raw_request(
                    b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"X-API-Key: " + self.suite.admin_key.encode("ascii") +
                    b"\r\nConnection: close\r\n\r\n")
                self.assert_client_error(status, response)

        # Invalid UTF-8 in a CSV cell: that row is REJECTED naming the
        # column (per-row results, as documented), nothing is written.
        status, _, imported = self.http(
            "POST", "/v1/customers:import",
            b"email,given_name\n\xff\xfe@x.com,a\n",
            {"Content-Type": "text/csv"})
        self.assertEqual(status, 200, imported)
        self.assertEqual(imported["createdCount"], "0", imported)
        self.assertEqual(imported["rejectedCount"], "1", imported)
        self.assertIn("email", imported["results"][0]["error"], imported)

        # A huge page size is coerced, not an error.
        status, _, page = self.http("GET", f"{customers}?page_size=1000000")
        self.assertEqual(status, 200, page)
        status, _, page = self.http("GET", "/v1/segments?page_size=1000000")
        self.assertEqual(status, 200, page)

        # SQL metacharacters in a filter value are data: no match.
        status, _, page = self.http(
            "GET", f"{customers}?filter=" + q(f'tag = "{SQL_DROP}"'))
        self.assertEqual(status, 200, page)
        self.assertEqual(page.get("customers", []), [], page)
        status, _, page = self.http(
            "GET", f"{customers}?filter=" + q('tag = "x\\" OR 1=1 --"'))
        if status == 200:
            self.assertEqual(page.get("customers", []), [], page)
        else:
            self.assert_client_error(status, page, "filter")

        # The suite survived, and nothing was half-written.
        status, _, ready = self.http("GET", "/readyz")
        self.assertEqual(status, 200, ready)
        self.suite.assert_all_alive()
        self.assertEqual(set(self.list_customers()), expected_customers)
        status, _, valid_orders = self.http("GET", orders)
        self.assertEqual(status, 200, valid_orders)
        self.assertEqual([o["channelOrderId"]
                          for o in valid_orders.get("orders", [])],
                         ["bad-input-1"])
        refunded = valid_orders["orders"][0].get("refundedAmount") or {}
        self.assertEqual(refunded.get("amountMinor", "0"), "0", refunded)
        status, _, account = self.http("GET", f"/v1/accounts/{cid}")
        if status == 200:
            self.assertEqual(int(account.get("pointsBalance", "0")), 0,
                             account)
        self.assertEqual(self.segment_names(), segments_before)
        status, _, feedback = self.http(
            "GET", "/v1/feedback?filter="
            + q(f'customer = "customers/{cid}"'))
        self.assertEqual(status, 200, feedback)
        self.assertEqual(feedback.get("feedback", []), [], feedback)
        database = "crm_customer_profile"
        result = self.suite.db.query(
            database, self.suite.passwords[database],
            "SELECT COUNT(*) FROM customers", database)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(int(result.stdout.strip()), len(expected_customers))
        result = self.suite.db.query(
            database, self.suite.passwords[database],
            "SELECT COUNT(*) FROM orders", database)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(int(result.stdout.strip()), 1)


def _terminate_on_sigterm(signum, _frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate_on_sigterm)
    unittest.main(verbosity=2)
