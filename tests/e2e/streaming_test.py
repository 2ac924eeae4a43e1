#!/usr/bin/python3
"""End-to-end: a server-streaming RPC over HTTP through the gateway.

GET /v1/changeEvents:watch (CustomerProfileService.WatchChanges) against the
real suite: customers created over HTTP come back as change events, as
server-sent events (Accept: text/event-stream) and as newline-delimited
JSON; the stream stays open for new events (a customer created while
watching arrives on it); a client that disconnects cancels the backend call
(the suite stays healthy and answers); a bad query parameter is an ordinary
400 before any event.

    ctest -R e2e_streaming --output-on-failure
"""

import json
import os
import signal
import socket
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Suite  # noqa: E402 pylint: disable=wrong-import-position


class StreamReader:
    """A raw HTTP/1.1 GET whose chunked body is read incrementally."""

    def __init__(self, port, path, accept, api_key, timeout=20):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout)
        self.sock.sendall(
            (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             f"X-API-Key: {api_key}\r\n"
             f"Accept: {accept}\r\n\r\n").encode("ascii"))
        self.buffer = b""
        head = self._read_until(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split(" ")[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.body = b""  # Decoded chunks not yet consumed.

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed")
        self.buffer += data

    def _read_until(self, marker):
        while marker not in self.buffer:
            self._fill()
        block, _, self.buffer = self.buffer.partition(marker)
        return block

    def _read_chunk(self):
        size = int(self._read_until(b"\r\n"), 16)
        while len(self.buffer) < size + 2:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size + 2:]
        if size == 0:
            raise EOFError("stream ended")
        self.body += data

    def next_block(self, separator):
        """The next `separator`-terminated block of the body."""
        while separator not in self.body:
            self._read_chunk()
        block, _, self.body = self.body.partition(separator)
        return block.decode("utf-8")

    def close(self):
        self.sock.close()


class StreamingTest(unittest.TestCase):
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

    def create_customer(self):
        email = f"watch-{uuid.uuid4().hex[:12]}@example.com"
        status, _, body = self.suite.http(
            "POST", "/v1/customers",
            {"givenName": "Watch", "familyName": "Stream", "email": email},
            timeout=30)
        self.assertEqual(status, 200, body)
        return body["name"]

    def watch(self, accept, after=0):
        return StreamReader(
            self.suite.http_port,
            f"/v1/changeEvents:watch?afterSequence={after}", accept,
            self.suite.admin_key)

    def test_server_sent_events_carry_change_events(self):
        names = [self.create_customer() for _ in range(3)]
        stream = self.watch("text/event-stream")
        try:
            self.assertEqual(stream.status, 200)
            self.assertEqual(stream.headers.get("content-type"),
                             "text/event-stream")
            self.assertTrue(stream.headers.get("x-request-id"))
            seen, sequences = [], []
            while not set(names) <= set(seen):
                block = stream.next_block(b"\n\n")
                self.assertTrue(block.startswith("data: "), block)
                event = json.loads(block[len("data: "):])
                seen.append(event["customerName"])
                sequences.append(int(event["sequence"]))
            self.assertEqual(sequences, sorted(sequences))
            # Still open: a customer created now arrives on the stream.
            late = self.create_customer()
            deadline = time.monotonic() + 20
            while late not in seen and time.monotonic() < deadline:
                block = stream.next_block(b"\n\n")
                seen.append(json.loads(block[len("data: "):])["customerName"])
            self.assertIn(late, seen)
        finally:
            stream.close()

    def test_newline_delimited_json_and_disconnect(self):
        self.create_customer()
        stream = self.watch("application/x-ndjson")
        try:
            self.assertEqual(stream.status, 200)
            self.assertEqual(stream.headers.get("content-type"),
                             "application/x-ndjson")
            event = json.loads(stream.next_block(b"\n"))
            self.assertIn("sequence", event)
            self.assertIn("type", event)
        finally:
            stream.close()  # The gateway cancels the backend call.
        # Many watchers come and go; the suite keeps answering.
        for _ in range(5):
            stream = self.watch("application/x-ndjson")
            json.loads(stream.next_block(b"\n"))
            stream.close()
        status, _, body = self.suite.http("GET", "/readyz")
        self.assertEqual(status, 200, body)
        self.suite.assert_all_alive()

    def test_bad_parameter_is_an_error_response(self):
        status, headers, body = self.suite.http(
            "GET", "/v1/changeEvents:watch?afterSequence=abc",
            headers={"Accept": "text/event-stream"})
        self.assertEqual(status, 400, body)
        self.assertEqual(headers.get("content-type"), "application/json")
        self.assertEqual(body["error"]["status"], "INVALID_ARGUMENT")


def _terminate_on_sigterm(signum, _frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate_on_sigterm)
    unittest.main(verbosity=2)
