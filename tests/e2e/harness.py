"""Runs the whole suite for one end-to-end test: its own MariaDB, its own
free ports, every binary, all of it stopped by PID at the end.

    suite = Suite.start()          # MariaDB + provisioning + 5 binaries
    try:
        status, headers, body = suite.http("GET", "/readyz")
    finally:
        suite.stop()

Paths come from the environment set by tests/e2e/CMakeLists.txt:
CRM_E2E_BIN_<NAME> (binaries), CRM_E2E_SCRIPTS (scripts/), CRM_E2E_BUILD_DIR.
Only the Python standard library, python3-grpcio and python3-protobuf are
used; health and reflection stubs are generated at run time with protoc.
"""

import atexit
import base64
import ctypes
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

# name, env prefix, database (= user), gRPC service, proto file
SERVICES = [
    ("customer-profile", "CUSTOMER_PROFILE", "crm_customer_profile",
     "crm.customerprofile.v1.CustomerProfileService",
     "crm/customerprofile/v1/customer_profile_service.proto"),
    ("segmentation", "SEGMENTATION", "crm_segmentation",
     "crm.segmentation.v1.SegmentationService",
     "crm/segmentation/v1/segmentation_service.proto"),
    ("loyalty", "LOYALTY", "crm_loyalty", "crm.loyalty.v1.LoyaltyService",
     "crm/loyalty/v1/loyalty_service.proto"),
    ("feedback", "FEEDBACK", "crm_feedback", "crm.feedback.v1.FeedbackService",
     "crm/feedback/v1/feedback_service.proto"),
]
SERVICE_NAMES = [s[0] for s in SERVICES]
ADMIN_PASSWORD = "crm-e2e-admin"


def log(message):
    print(f"[e2e {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr,
          flush=True)


def env_path(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the e2e tests through ctest")
    return value


def binary(name):
    return env_path("CRM_E2E_BIN_" + name.upper().replace("-", "_"))


def scripts_dir():
    return env_path("CRM_E2E_SCRIPTS")


_used_ports = set()


def free_port():
    """A TCP port that is free on 127.0.0.1 now (and not handed out before
    in this process)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _used_ports:
            _used_ports.add(port)
            return port


def wait_for(predicate, timeout, what, interval=0.2):
    """Polls predicate() until it returns a truthy value; raises
    AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            result = predicate()
            if result:
                return result
        except AssertionError:
            raise  # A check inside the predicate failed: no point waiting.
        except Exception as e:  # noqa: BLE001 - report the last one
            last_error = e
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what}"
                + (f" (last error: {last_error!r})" if last_error else ""))
        time.sleep(interval)


_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # A child of the test gets SIGKILL if the test process dies, so a
    # crashed or killed test leaves nothing behind.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


_stubs = None


def stubs():
    """Generates (once per process) and imports the Python stubs of
    grpc.health.v1 and grpc.reflection.v1alpha from /usr/share/grpc-proto."""
    global _stubs
    if _stubs is not None:
        return _stubs
    out = tempfile.mkdtemp(prefix="crm-e2e-stubs-")
    atexit.register(shutil.rmtree, out, True)
    for include, proto in [
        ("/usr/share/grpc-proto/grpc/health/v1", "health.proto"),
        ("/usr/share/grpc-proto/grpc/reflection/v1alpha", "reflection.proto"),
    ]:
        subprocess.run(
            ["/usr/bin/protoc", f"-I{include}", f"--python_out={out}",
             f"--grpc_out={out}",
             "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin", proto],
            check=True)
    sys.path.insert(0, out)
    import health_pb2  # noqa: E402 pylint: disable=import-outside-toplevel
    import health_pb2_grpc  # noqa: E402 pylint: disable=import-outside-toplevel
    import reflection_pb2  # noqa: E402 pylint: disable=import-outside-toplevel
    import reflection_pb2_grpc  # noqa: E402 pylint: disable=import-outside-toplevel

    class Stubs:
        pass

    _stubs = Stubs()
    _stubs.health_pb2 = health_pb2
    _stubs.health_pb2_grpc = health_pb2_grpc
    _stubs.reflection_pb2 = reflection_pb2
    _stubs.reflection_pb2_grpc = reflection_pb2_grpc
    return _stubs


_rpc_stubs = None


def rpc_stubs():
    """Generates (once per process) and imports the Python stubs of
    google.rpc.Status and the google.rpc error details from the googleapis
    protos the build uses (CRM_E2E_GOOGLEAPIS, the npm package
    google-proto-files). Returns (status_pb2, error_details_pb2)."""
    global _rpc_stubs
    if _rpc_stubs is not None:
        return _rpc_stubs
    out = tempfile.mkdtemp(prefix="crm-e2e-rpc-stubs-")
    atexit.register(shutil.rmtree, out, True)
    subprocess.run(
        ["/usr/bin/protoc", f"-I{env_path('CRM_E2E_GOOGLEAPIS')}",
         "-I/usr/include", f"--python_out={out}",
         "google/rpc/status.proto", "google/rpc/error_details.proto"],
        check=True)
    sys.path.insert(0, out)
    # google is a namespace package: the generated google/rpc joins it.
    from google.rpc import error_details_pb2  # noqa: E402 pylint: disable=import-outside-toplevel
    from google.rpc import status_pb2  # noqa: E402 pylint: disable=import-outside-toplevel
    _rpc_stubs = (status_pb2, error_details_pb2)
    return _rpc_stubs


class ReflectionClient:
    """A grpcurl-style client: learns a server's services and messages over
    server reflection and calls unary methods with requests given as proto3
    JSON dicts.

        client = ReflectionClient(channel)
        client.load("crm.loyalty.v1.LoyaltyService")
        reply = client.call("crm.loyalty.v1.LoyaltyService", "GetAccount",
                            {"name": "accounts/c1"})
    """

    def __init__(self, channel):
        from google.protobuf import descriptor_pool  # pylint: disable=import-outside-toplevel
        self.channel = channel
        self.pool = descriptor_pool.DescriptorPool()
        self._added = set()

    def load(self, symbol, timeout=5):
        """Adds the file defining `symbol` and its dependencies to the
        pool."""
        from google.protobuf import descriptor_pb2  # pylint: disable=import-outside-toplevel
        s = stubs()
        stub = s.reflection_pb2_grpc.ServerReflectionStub(self.channel)
        responses = stub.ServerReflectionInfo(
            iter([s.reflection_pb2.ServerReflectionRequest(
                file_containing_symbol=symbol)]), timeout=timeout)
        response = next(iter(responses))
        if not response.HasField("file_descriptor_response"):
            raise AssertionError(f"reflection does not know {symbol}: "
                                 f"{response}")
        files = {}
        for raw in response.file_descriptor_response.file_descriptor_proto:
            descriptor = descriptor_pb2.FileDescriptorProto()
            descriptor.ParseFromString(raw)
            files[descriptor.name] = descriptor

        def add(name):
            if name in self._added:
                return
            if name not in files:
                # A well-known type the server did not send again.
                self._added.add(name)
                return
            for dependency in files[name].dependency:
                add(dependency)
            try:
                self.pool.Add(files[name])
            except TypeError:
                # Well-known types already in the pool.
                pass
            self._added.add(name)

        for name in files:
            add(name)

    def message_class(self, full_name):
        from google.protobuf import message_factory  # pylint: disable=import-outside-toplevel
        descriptor = self.pool.FindMessageTypeByName(full_name)
        return message_factory.MessageFactory(self.pool).GetPrototype(
            descriptor)

    def enum_names(self, full_name):
        return [v.name for v in self.pool.FindEnumTypeByName(full_name).values]

    def call(self, service, method, request_json, timeout=10):
        """Calls service/method with the request parsed from the proto3
        JSON dict `request_json`; returns the reply or raises
        grpc.RpcError."""
        from google.protobuf import json_format  # pylint: disable=import-outside-toplevel
        method_descriptor = self.pool.FindServiceByName(
            service).FindMethodByName(method)
        request_class = self.message_class(
            method_descriptor.input_type.full_name)
        response_class = self.message_class(
            method_descriptor.output_type.full_name)
        request = json_format.ParseDict(request_json, request_class())
        rpc = self.channel.unary_unary(
            f"/{service}/{method}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_class.FromString)
        return rpc(request, timeout=timeout)


def rpc_error_details(rpc_error):
    """The google.rpc.Status in the `grpc-status-details-bin` trailer of a
    grpc.RpcError, or None if there is none."""
    status_pb2, _ = rpc_stubs()
    for key, value in rpc_error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    return None


def http_request(port, method, path, body=None, headers=None, timeout=10):
    """One HTTP request to 127.0.0.1:port. `body` is JSON-encoded unless it
    is bytes. Returns (status, headers as a lower-cased dict, decoded JSON
    body, or the raw text if it is not JSON)."""
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(
            body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method,
        headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
            response_headers = response.headers
    except urllib.error.HTTPError as e:
        status, raw, response_headers = e.code, e.read(), e.headers
    text = raw.decode("utf-8", errors="replace")
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        payload = text
    return status, {k.lower(): v for k, v in response_headers.items()}, payload


class MariaDb:
    """A private MariaDB through scripts/mariadb.sh."""

    def __init__(self, directory, port):
        self.directory = directory
        self.port = port
        self.running = False

    def _script(self, *args, check=True):
        env = dict(os.environ, CRM_MYSQL_ADMIN_PASSWORD=ADMIN_PASSWORD)
        result = subprocess.run(
            [os.path.join(scripts_dir(), "mariadb.sh"), *args], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(
                f"mariadb.sh {' '.join(args)} exited {result.returncode}:\n"
                + result.stdout)
        return result

    def start(self):
        self._script("start", self.directory, str(self.port))
        self.running = True

    def kill(self):
        self._script("kill", self.directory)
        self.running = False

    def stop(self):
        if os.path.isdir(self.directory):
            self._script("stop", self.directory, check=False)
        self.running = False

    def query(self, user, password, sql, database=None):
        """Runs `sql` as `user`; returns CompletedProcess (stdout, stderr
        as text) without raising on SQL errors."""
        command = ["mariadb", "--no-defaults", "--protocol=TCP",
                   "-h127.0.0.1", f"-P{self.port}", f"-u{user}", "--batch",
                   "--skip-column-names", "-e", sql]
        if database:
            command.append(database)
        return subprocess.run(command, env=dict(os.environ, MYSQL_PWD=password),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=30)


class Suite:
    """MariaDB, provisioning and (optionally) the five binaries, all in one
    temporary directory with free ports."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="crm-e2e-")
        self.log_dir = os.path.join(self.dir, "log")
        os.makedirs(self.log_dir)
        self.secrets_file = os.path.join(self.dir, "secrets.env")
        self.db = MariaDb(os.path.join(self.dir, "mariadb"), free_port())
        self.grpc_ports = {name: free_port() for name in SERVICE_NAMES}
        self.admin_ports = {name: free_port() for name in SERVICE_NAMES}
        self.http_port = free_port()
        # The gateway's admin API key for this suite (X-API-Key); http()
        # sends it unless told otherwise. The gateway gets its SHA-256.
        self.admin_key = "e2e-admin-" + secrets.token_hex(16)
        self.pii_master_keys = "e2e:" + base64.b64encode(
            os.urandom(32)).decode("ascii")
        self.processes = {}  # name -> Popen
        self.passwords = {}  # database user -> password
        self._log_files = []

    # --- lifecycle -------------------------------------------------------

    @classmethod
    def start(cls, binaries=True):
        suite = cls()
        try:
            suite.start_database()
            if binaries:
                suite.start_binaries()
        except BaseException:
            suite.stop(dump_logs=True)
            raise
        return suite

    def start_database(self):
        log(f"MariaDB on port {self.db.port} in {self.db.directory}")
        self.db.start()
        env = dict(os.environ, CRM_MYSQL_ADMIN_PASSWORD=ADMIN_PASSWORD)
        for _ in range(2):  # The second run must change nothing.
            subprocess.run(
                [os.path.join(scripts_dir(), "provision-databases.sh"),
                 "--host", "127.0.0.1", "--port", str(self.db.port),
                 "--secrets", self.secrets_file],
                env=env, check=True, timeout=60)
        with open(self.secrets_file, encoding="utf-8") as f:
            secrets = dict(line.strip().split("=", 1) for line in f
                           if "=" in line and not line.startswith("#"))
        for _, prefix, database, _, _ in SERVICES:
            self.passwords[database] = secrets[f"{prefix}_DB_PASSWORD"]

    def service_env(self, name):
        _, prefix, database, _, _ = SERVICES[SERVICE_NAMES.index(name)]
        return {
            f"{prefix}_GRPC_PORT": str(self.grpc_ports[name]),
            f"{prefix}_ADMIN_PORT": str(self.admin_ports[name]),
            f"{prefix}_BIND_ADDRESS": "127.0.0.1",
            f"{prefix}_DB_HOST": "127.0.0.1",
            f"{prefix}_DB_PORT": str(self.db.port),
            f"{prefix}_DB_NAME": database,
            f"{prefix}_DB_USER": database,
            f"{prefix}_DB_PASSWORD": self.passwords[database],
            # customer-profile's PII master key (random per suite; other
            # services ignore it).
            "CUSTOMER_PROFILE_PII_MASTER_KEYS": self.pii_master_keys,
        }

    def gateway_env(self):
        digest = hashlib.sha256(self.admin_key.encode("ascii")).hexdigest()
        env = {"GATEWAY_HTTP_PORT": str(self.http_port),
               "GATEWAY_BIND_ADDRESS": "127.0.0.1",
               "GATEWAY_API_KEYS": f"e2e-admin admin sha256:{digest}",
               # The suites send bursts from one address and key; the
               # limits themselves are tested in gateway_access_test.
               "GATEWAY_RATE_LIMIT_PER_ADDRESS": "2000",
               "GATEWAY_RATE_LIMIT_ADDRESS_BURST": "4000",
               "GATEWAY_RATE_LIMIT_PER_KEY": "2000",
               "GATEWAY_RATE_LIMIT_KEY_BURST": "4000"}
        for name, prefix, _, _, _ in SERVICES:
            env[f"{prefix}_ADDR"] = f"127.0.0.1:{self.grpc_ports[name]}"
        return env

    def spawn(self, name, env, args=()):
        log_path = os.path.join(self.log_dir, f"{name}.log")
        log_file = open(log_path, "ab")  # pylint: disable=consider-using-with
        self._log_files.append(log_file)
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [binary(name), *args], env=dict(os.environ, **env),
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
            preexec_fn=_die_with_parent)
        return process

    def start_binaries(self, timeout=90):
        for name in SERVICE_NAMES:
            self.processes[name] = self.spawn(name, self.service_env(name))
        self.processes["gateway"] = self.spawn("gateway", self.gateway_env())
        log("binaries started: " + ", ".join(
            f"{n}={p.pid}" for n, p in self.processes.items()))

        def ready():
            self.assert_all_alive()
            return self.http("GET", "/readyz")[0] == 200

        wait_for(ready, timeout, "the gateway's /readyz to answer 200")
        log("suite ready")

    def assert_all_alive(self):
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(
                    f"{name} exited with {process.returncode}:\n"
                    + self.log_tail(name))

    def terminate(self, name, timeout=15):
        """SIGTERM; returns the exit code, or None if still alive after
        `timeout` (then SIGKILLs it)."""
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return None

    def stop(self, dump_logs=False):
        """Stops every process this suite started, by PID; then MariaDB.
        Keeps the temp dir (with logs) if dump_logs or CRM_E2E_KEEP is set.
        Returns {name: exit code} of the binaries (None if it had to be
        killed); a graceful stop is 0 for every one."""
        # Gateway first, then the services.
        for name in ["gateway", *SERVICE_NAMES]:
            process = self.processes.get(name)
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        codes = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(
                    timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} ignored SIGTERM; killing PID {process.pid}")
                process.kill()
                process.wait()
                codes[name] = None
        if any(code != 0 for code in codes.values()):
            dump_logs = True
        try:
            self.db.stop()
        except Exception as e:  # noqa: BLE001 - best effort at cleanup
            log(f"stopping MariaDB failed: {e!r}")
        for f in self._log_files:
            f.close()
        if dump_logs:
            for name in self.processes:
                log(f"--- last lines of {name}.log ---\n" + self.log_tail(name))
        if dump_logs or os.environ.get("CRM_E2E_KEEP"):
            # Keep the logs, not the database files.
            shutil.rmtree(os.path.join(self.db.directory, "data"),
                          ignore_errors=True)
            log(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return codes

    def log_tail(self, name, lines=30):
        path = os.path.join(self.log_dir, f"{name}.log")
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)\n"

    # --- clients ---------------------------------------------------------

    def http(self, method, path, body=None, headers=None, timeout=10,
             api_key=True):
        """http_request() to this suite's gateway, with the suite's admin
        key in X-API-Key unless `api_key` is False (or another key)."""
        headers = dict(headers or {})
        if api_key is True:
            api_key = self.admin_key
        if api_key and "X-API-Key" not in headers:
            headers["X-API-Key"] = api_key
        return http_request(self.http_port, method, path, body, headers,
                            timeout)

    def channel(self, name):
        import grpc  # pylint: disable=import-outside-toplevel
        return grpc.insecure_channel(f"127.0.0.1:{self.grpc_ports[name]}")

    def health(self, name, service="", timeout=2):
        """The grpc.health.v1 status name ("SERVING", ...) of `service` on
        binary `name`, or the gRPC error code name if the call fails."""
        import grpc  # pylint: disable=import-outside-toplevel
        s = stubs()
        with self.channel(name) as channel:
            stub = s.health_pb2_grpc.HealthStub(channel)
            try:
                response = stub.Check(
                    s.health_pb2.HealthCheckRequest(service=service),
                    timeout=timeout)
            except grpc.RpcError as e:
                return e.code().name
        return s.health_pb2.HealthCheckResponse.ServingStatus.Name(
            response.status)


class FeedSuite(Suite):
    """The suite with segmentation, loyalty and feedback following
    customer-profile's change feed (and feedback asking segmentation for
    value tiers, and segmentation following loyalty's referral events),
    as scripts/start-suite.sh runs them. Suite alone leaves
    their <PREFIX>_CUSTOMER_PROFILE_ADDR unset: no event reaches them."""

    def service_env(self, name):
        env = super().service_env(name)
        profile = f"127.0.0.1:{self.grpc_ports['customer-profile']}"
        env.update({
            "SEGMENTATION_CUSTOMER_PROFILE_ADDR": profile,
            "LOYALTY_CUSTOMER_PROFILE_ADDR": profile,
            "FEEDBACK_CUSTOMER_PROFILE_ADDR": profile,
            "FEEDBACK_SEGMENTATION_ADDR":
                f"127.0.0.1:{self.grpc_ports['segmentation']}",
            "SEGMENTATION_LOYALTY_ADDR":
                f"127.0.0.1:{self.grpc_ports['loyalty']}",
        })
        return env
