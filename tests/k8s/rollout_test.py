"""A rolling update of each gRPC service, locally, under load: no request
fails.

What Kubernetes does in a rollout (k8s/base/<service>/deployment.yaml:
maxUnavailable 0, preStop, SIGTERM drain), done here with processes: for
each service an "old" and a "new" instance run against the same database;
client threads call the old one; the old one gets SIGTERM while they do.
In-flight calls must finish (the server drains), and a call refused because
the server stopped accepting (UNAVAILABLE) is retried on a fresh connection,
which reaches the new instance, as a client through a Kubernetes Service
does. Every call must end OK; the old instance must exit 0.

    tests/k8s/run_rollout_test.sh [BUILD_DIR]   (sets the CRM_E2E_* paths)

CRM_ROLLOUT_SERVICES (default: the four services and the gateway,
space-separated) and
CRM_ROLLOUT_CLIENTS (client threads, default 6) narrow a run.
"""

import http.client
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "e2e"))
import harness  # noqa: E402  pylint: disable=wrong-import-position
import grpc  # noqa: E402  pylint: disable=wrong-import-position

# A cheap read of each service, sent with an empty request (all fields
# default). Whatever status it answers before the rollout (OK, or e.g.
# NOT_FOUND while no loyalty program exists) is what every call must get.
READ_METHODS = {
    "customer-profile":
        "/crm.customerprofile.v1.CustomerProfileService/ListCustomers",
    "segmentation": "/crm.segmentation.v1.SegmentationService/ListSegments",
    "loyalty": "/crm.loyalty.v1.LoyaltyService/GetProgram",
    "feedback": "/crm.feedback.v1.FeedbackService/ListFeedback",
}
CLIENT_THREADS = int(os.environ.get("CRM_ROLLOUT_CLIENTS", "6"))
CALLS_BEFORE_SIGTERM = 100
CALLS_AFTER_SIGTERM = 100
MAX_ATTEMPTS = 5


def call_status(channel, method, timeout):
    """The status code of one call of `method` with an empty request."""
    try:
        channel.unary_unary(method)(b"", timeout=timeout)
        return grpc.StatusCode.OK
    except grpc.RpcError as e:
        return e.code()


class Load:
    """Client threads calling `method`, first on `old_address`; a call
    failing with UNAVAILABLE is retried on a fresh channel to
    `new_address` (what a new connection through a Service reaches once
    the old pod has left the endpoints)."""

    def __init__(self, method, expected_code, old_address, new_address):
        self.method = method
        self.expected_code = expected_code
        self.old_address = old_address
        self.new_address = new_address
        self.lock = threading.Lock()
        self.ok = {"old": 0, "new": 0}
        self.retried = 0
        self.failures = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True)
                        for _ in range(CLIENT_THREADS)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def counts(self):
        with self.lock:
            return dict(self.ok), self.retried, list(self.failures)

    def _run(self):
        target = "old"
        channel = grpc.insecure_channel(self.old_address)
        try:
            while not self.stopping.is_set():
                for attempt in range(1, MAX_ATTEMPTS + 1):
                    code = call_status(channel, self.method, timeout=10)
                    if code == self.expected_code:
                        with self.lock:
                            self.ok[target] += 1
                        break
                    if (code != grpc.StatusCode.UNAVAILABLE
                            or attempt == MAX_ATTEMPTS):
                        with self.lock:
                            self.failures.append(f"{target}: {code.name}")
                        break
                    # A fresh connection: the Service now routes it to the
                    # new instance.
                    channel.close()
                    target = "new"
                    channel = grpc.insecure_channel(self.new_address)
                    with self.lock:
                        self.retried += 1
        finally:
            channel.close()


class HttpLoad:
    """Like Load, for the gateway: client threads on keep-alive HTTP/1.1
    connections to the old gateway, GET `path`; a request whose connection
    is refused or closed before an answer is retried on a fresh connection
    to the new gateway (GETs are safe to repeat). Any other outcome than
    `expected_status` fails."""

    def __init__(self, path, expected_status, old_port, new_port):
        self.path = path
        self.expected_status = expected_status
        self.ports = {"old": old_port, "new": new_port}
        self.lock = threading.Lock()
        self.ok = {"old": 0, "new": 0}
        self.retried = 0
        self.failures = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True)
                        for _ in range(CLIENT_THREADS)]

    start = Load.start
    stop = Load.stop
    counts = Load.counts

    def _run(self):
        target = "old"
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.ports[target], timeout=10)
        try:
            while not self.stopping.is_set():
                for attempt in range(1, MAX_ATTEMPTS + 1):
                    try:
                        connection.request("GET", self.path)
                        response = connection.getresponse()
                        response.read()
                        outcome = response.status
                    except (ConnectionError, http.client.HTTPException,
                            OSError) as e:
                        outcome = e
                    if outcome == self.expected_status:
                        with self.lock:
                            self.ok[target] += 1
                        break
                    if isinstance(outcome, int) or attempt == MAX_ATTEMPTS:
                        with self.lock:
                            self.failures.append(f"{target}: {outcome!r}")
                        break
                    connection.close()
                    target = "new"
                    connection = http.client.HTTPConnection(
                        "127.0.0.1", self.ports[target], timeout=10)
                    with self.lock:
                        self.retried += 1
        finally:
            connection.close()


class RolloutTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.suite = harness.Suite.start(binaries=False)

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def start_instance(self, name, role):
        suite = self.suite
        grpc_port, admin_port = harness.free_port(), harness.free_port()
        _, prefix, _, _, _ = harness.SERVICES[harness.SERVICE_NAMES.index(name)]
        env = dict(suite.service_env(name))
        env[f"{prefix}_GRPC_PORT"] = str(grpc_port)
        env[f"{prefix}_ADMIN_PORT"] = str(admin_port)
        key = f"{name}-{role}"
        suite.processes[key] = suite.spawn(name, env)
        address = f"127.0.0.1:{grpc_port}"

        def serving():
            process = suite.processes[key]
            if process.poll() is not None:
                raise AssertionError(f"{key} exited {process.returncode}")
            with grpc.insecure_channel(address) as channel:
                code = call_status(channel, READ_METHODS[name], timeout=2)
            return None if code == grpc.StatusCode.UNAVAILABLE else code

        code = harness.wait_for(serving, 120, f"{key} to answer")
        return key, address, code

    def test_sigterm_under_load_fails_no_request(self):
        names = os.environ.get("CRM_ROLLOUT_SERVICES",
                               " ".join(harness.SERVICE_NAMES)).split()
        for name in [n for n in names if n != "gateway"]:
            with self.subTest(service=name):
                old_key, old_address, expected = self.start_instance(name, "old")
                new_key, new_address, _ = self.start_instance(name, "new")
                load = Load(READ_METHODS[name], expected, old_address,
                            new_address)
                load.start()
                try:
                    harness.wait_for(
                        lambda: load.counts()[0]["old"] >= CALLS_BEFORE_SIGTERM
                        or load.counts()[2],
                        60, f"{CALLS_BEFORE_SIGTERM} calls on the old {name}")
                    code = self.suite.terminate(old_key, timeout=60)
                    self.assertEqual(code, 0, self.suite.log_tail(name))
                    after = load.counts()[0]["new"]
                    harness.wait_for(
                        lambda: load.counts()[0]["new"]
                        >= after + CALLS_AFTER_SIGTERM or load.counts()[2],
                        60, f"{CALLS_AFTER_SIGTERM} calls on the new {name}")
                finally:
                    load.stop()
                ok, retried, failures = load.counts()
                harness.log(f"{name}: {ok['old']} calls on the old instance, "
                            f"{ok['new']} on the new, {retried} retried on a "
                            f"fresh connection, {len(failures)} failed")
                self.assertEqual(failures, [])
                self.assertGreaterEqual(ok["old"], CALLS_BEFORE_SIGTERM)
                self.assertGreaterEqual(ok["new"], CALLS_AFTER_SIGTERM)
                self.assertEqual(self.suite.terminate(new_key, timeout=60), 0,
                                 self.suite.log_tail(name))

    def start_gateway(self, role):
        suite = self.suite
        port = harness.free_port()
        env = dict(suite.gateway_env())
        env["GATEWAY_HTTP_PORT"] = str(port)
        key = f"gateway-{role}"
        suite.processes[key] = suite.spawn("gateway", env)

        def answering():
            process = suite.processes[key]
            if process.poll() is not None:
                raise AssertionError(f"{key} exited {process.returncode}")
            return harness.http_request(port, "GET", "/healthz")[0] == 200

        harness.wait_for(answering, 120, f"{key} to answer")
        return key, port

    def test_gateway_sigterm_under_load_fails_no_request(self):
        if "gateway" not in os.environ.get("CRM_ROLLOUT_SERVICES", "gateway"):
            self.skipTest("CRM_ROLLOUT_SERVICES leaves out the gateway")
        # /openapi.json: a real route of the gateway that needs no backend.
        path = "/openapi.json"
        old_key, old_port = self.start_gateway("old")
        new_key, new_port = self.start_gateway("new")
        load = HttpLoad(path, 200, old_port, new_port)
        load.start()
        try:
            harness.wait_for(
                lambda: load.counts()[0]["old"] >= CALLS_BEFORE_SIGTERM
                or load.counts()[2],
                60, f"{CALLS_BEFORE_SIGTERM} requests on the old gateway")
            code = self.suite.terminate(old_key, timeout=60)
            self.assertEqual(code, 0, self.suite.log_tail("gateway"))
            after = load.counts()[0]["new"]
            harness.wait_for(
                lambda: load.counts()[0]["new"] >= after + CALLS_AFTER_SIGTERM
                or load.counts()[2],
                60, f"{CALLS_AFTER_SIGTERM} requests on the new gateway")
        finally:
            load.stop()
        ok, retried, failures = load.counts()
        harness.log(f"gateway: {ok['old']} requests on the old instance, "
                    f"{ok['new']} on the new, {retried} retried on a fresh "
                    f"connection, {len(failures)} failed")
        self.assertEqual(failures, [])
        self.assertEqual(self.suite.terminate(new_key, timeout=60), 0,
                         self.suite.log_tail("gateway"))


if __name__ == "__main__":
    # Test names may be given: RolloutTest.test_gateway_sigterm_under_load_fails_no_request
    unittest.main(argv=sys.argv, verbosity=2)
