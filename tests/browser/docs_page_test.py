"""/docs renders in a real browser: starts docs_page.mjs (playwright-core
driving Debian's chromium; the browser starts while the rest does), a private
MariaDB, customer-profile and the gateway (tests/e2e/harness.py), creates one
customer over HTTP, then hands the gateway's address and the customer to
docs_page.mjs, which checks /docs, and passes its verdict on.

    ctest -R '^browser_docs_page$'      (tests/browser/CMakeLists.txt)

Needs the environment tests/browser/CMakeLists.txt sets (CRM_E2E_BIN_*,
CRM_E2E_SCRIPTS), /usr/bin/chromium and tests/browser/node_modules (both
installed by scripts/install-deps.sh).
"""

import os
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


def start(suite):
    suite.start_database()
    for name, env in [("customer-profile", suite.service_env("customer-profile")),
                      ("gateway", suite.gateway_env())]:
        suite.processes[name] = suite.spawn(name, env)
    admin_port = suite.admin_ports["customer-profile"]

    def ready():
        suite.assert_all_alive()
        return (harness.http_request(admin_port, "GET", "/readyz")[0] == 200
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
    suite = harness.Suite()
    failed = True
    try:
        start(suite)
        status, _, customer = suite.http(
            "POST", "/v1/customers",
            {"givenName": "Docs", "familyName": "Browser",
             "email": "docs.browser@example.com"})
        if status != 200:
            raise AssertionError(f"POST /v1/customers: HTTP {status}: {customer}")
        harness.log(f"{customer['name']} created; opening /docs in chromium")
        browser_check.communicate(
            f"http://127.0.0.1:{suite.http_port} {customer['name']}\n",
            timeout=NODE_TIMEOUT_SECONDS)
        suite.assert_all_alive()
        failed = browser_check.returncode != 0
        return browser_check.returncode
    finally:
        if browser_check.poll() is None:
            browser_check.kill()
            browser_check.wait()
        suite.stop(dump_logs=failed)


if __name__ == "__main__":
    sys.exit(main())
