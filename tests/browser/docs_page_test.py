"""/docs renders in a real browser. Starts docs_page.mjs (playwright-core
driving Debian's chromium; the browser starts while the rest does), creates
a database of its own on the tests' shared MariaDB (the `mariadb` CTest
fixture), starts customer-profile on it and the gateway in front
(tests/e2e/harness.py), creates one customer over HTTP, then hands the
gateway's address, the customer and the suite's admin API key to
docs_page.mjs, which checks /docs,
and passes its verdict on. The database is dropped at the end.

    ctest -R '^browser_docs_page$'      (tests/browser/CMakeLists.txt)

Needs the environment tests/browser/CMakeLists.txt sets (CRM_E2E_BIN_*,
CRM_TEST_MYSQL_*), /usr/bin/chromium and tests/browser/node_modules (both
installed by scripts/install-deps.sh).
"""

import os
import secrets
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import harness  # noqa: E402 pylint: disable=wrong-import-position

NODE_TIMEOUT_SECONDS = 60


def check_prerequisites():
    chromium = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        raise AssertionError(
            f"{chromium} not found: run scripts/install-deps.sh (it installs "
            "Debian's chromium)")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        raise AssertionError(
            "tests/browser/node_modules/playwright-core not found: run "
            "scripts/install-deps.sh (npm ci in tests/browser)")


class TestDatabase:
    """A database of its own on the tests' shared MariaDB, used by
    customer-profile as the tests' admin user, like an integration test's."""

    def __init__(self):
        self.host = harness.env_path("CRM_TEST_MYSQL_HOST")
        self.port = int(harness.env_path("CRM_TEST_MYSQL_PORT"))
        self.user = harness.env_path("CRM_TEST_MYSQL_ADMIN_USER")
        self.password = harness.env_path("CRM_TEST_MYSQL_ADMIN_PASSWORD")
        self.name = "crm_test_browser_docs_" + secrets.token_hex(5)
        self.server = harness.MariaDb(directory=None, port=self.port)

    def execute(self, sql):
        result = self.server.query(self.user, self.password, sql)
        if result.returncode != 0:
            raise AssertionError(f"{sql}: {result.stderr}")

    def create(self):
        self.execute(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4 "
                     "COLLATE utf8mb4_unicode_ci")

    def drop(self):
        self.execute(f"DROP DATABASE IF EXISTS `{self.name}`")


def start(suite, database):
    name = "customer-profile"
    suite.processes[name] = suite.spawn(name, {
        "CUSTOMER_PROFILE_GRPC_PORT": str(suite.grpc_ports[name]),
        "CUSTOMER_PROFILE_ADMIN_PORT": str(suite.admin_ports[name]),
        "CUSTOMER_PROFILE_BIND_ADDRESS": "127.0.0.1",
        "CUSTOMER_PROFILE_DB_HOST": database.host,
        "CUSTOMER_PROFILE_DB_PORT": str(database.port),
        "CUSTOMER_PROFILE_DB_NAME": database.name,
        "CUSTOMER_PROFILE_DB_USER": database.user,
        "CUSTOMER_PROFILE_DB_PASSWORD": database.password,
        "CUSTOMER_PROFILE_PII_MASTER_KEYS": suite.pii_master_keys,
    })
    suite.processes["gateway"] = suite.spawn("gateway", suite.gateway_env())

    def ready():
        suite.assert_all_alive()
        return (harness.http_request(suite.admin_ports[name], "GET",
                                     "/readyz")[0] == 200
                and suite.http("GET", "/healthz")[0] == 200)

    harness.wait_for(ready, 60, "customer-profile's /readyz and the "
                     "gateway's /healthz")


def main():
    check_prerequisites()
    # The browser starts now and waits for its target on stdin.
    browser_check = subprocess.Popen(  # pylint: disable=consider-using-with
        ["node", os.path.join(HERE, "docs_page.mjs")], cwd=HERE,
        stdin=subprocess.PIPE, text=True,
        preexec_fn=harness._die_with_parent)  # pylint: disable=protected-access
    database = TestDatabase()
    suite = harness.Suite()
    failed = True
    try:
        database.create()
        start(suite, database)
        status, _, customer = suite.http(
            "POST", "/v1/customers",
            {"givenName": "Docs", "familyName": "Browser",
             "email": "docs.browser@example.com"})
        if status != 200:
            raise AssertionError(f"POST /v1/customers: HTTP {status}: {customer}")
        harness.log(f"{customer['name']} created; checking /docs in chromium")
        browser_check.communicate(
            f"http://127.0.0.1:{suite.http_port} {customer['name']} "
            f"{suite.admin_key}\n",
            timeout=NODE_TIMEOUT_SECONDS)
        suite.assert_all_alive()
        failed = browser_check.returncode != 0
        return browser_check.returncode
    finally:
        if browser_check.poll() is None:
            browser_check.kill()
            browser_check.wait()
        suite.stop(dump_logs=failed)
        database.drop()


if __name__ == "__main__":
    sys.exit(main())
