"""The dashboard at / in a real browser, against the whole suite loaded with
demo data. Starts dashboard.mjs (playwright-core driving Debian's chromium;
the browser starts while the rest does), then the suite on its own MariaDB
(tests/e2e/harness.py; segmentation, loyalty and feedback follow
customer-profile's feed as in `make run`), and loads it:

- the loyalty programme (earn rate, tiers), rewards and campaigns, so that
  orders earn points and bonuses (tools/demo_data/load_demo_extras.py
  program, as `make run` loads them);
- the deterministic demo set (crm-demo-data, CRM_DASHBOARD_CUSTOMERS
  customers), waits until segmentation has scored them all, recomputes the
  RFM cut points, fits the CLV model and recomputes again;
- feedback in Chinese and English (raising a complaint-spike alert), a
  survey with NPS and CSAT answers, tickets and a coupon redeemed for points
  (load_demo_extras.py activity), and two segments.

The gateway knows three keys: an admin's (the walk), an analyst's (masked
personal data, no acknowledge) and an agent's (no segment editor).

It checks the static-file serving (cache headers, ETag/304, gzip) over HTTP,
then hands the gateway's address, the API key and what to look for to
dashboard.mjs, which checks every page, saves the screenshots and prints the
first-load timings, and passes its verdict on.

    ctest -R '^browser_dashboard$'      (tests/browser/CMakeLists.txt)

Needs the environment tests/browser/CMakeLists.txt sets (CRM_E2E_*,
CRM_WEB_DIST_DIR, CRM_SCREENSHOT_DIR), /usr/bin/chromium and
tests/browser/node_modules (both installed by scripts/install-deps.sh).
"""

import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import harness  # noqa: E402 pylint: disable=wrong-import-position

sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "demo_data"))
import load_demo_extras  # noqa: E402 pylint: disable=wrong-import-position

NODE_TIMEOUT_SECONDS = 120
DEMO_CUSTOMERS = int(os.environ.get("CRM_DASHBOARD_CUSTOMERS", "300"))
FOLLOWERS = ("SEGMENTATION", "LOYALTY", "FEEDBACK")

class DashboardSuite(harness.Suite):
    """The e2e suite with the feed consumers connected, an API key for the
    browser and the dashboard folder of this build."""

    def __init__(self):
        super().__init__()
        # The harness's own admin key where it configures one.
        self.api_key = (getattr(self, "admin_key", "")
                        or "dash-" + secrets.token_hex(16))
        # An analyst's key: the navigation without write actions, masked
        # personal data.
        self.analyst_key = "dash-analyst-" + secrets.token_hex(16)
        # An agent's: acknowledge, but no segment editor.
        self.agent_key = "dash-agent-" + secrets.token_hex(16)

    def service_env(self, name):
        env = super().service_env(name)
        profile = f"127.0.0.1:{self.grpc_ports['customer-profile']}"
        for prefix in FOLLOWERS:
            env[f"{prefix}_CUSTOMER_PROFILE_ADDR"] = profile
        return env

    def gateway_env(self):
        env = super().gateway_env()
        env.setdefault("GATEWAY_API_KEYS", f"dashboard-test admin {self.api_key}")
        digest = hashlib.sha256(self.analyst_key.encode("ascii")).hexdigest()
        env["GATEWAY_API_KEYS"] += f";dashboard-analyst analyst sha256:{digest}"
        digest = hashlib.sha256(self.agent_key.encode("ascii")).hexdigest()
        env["GATEWAY_API_KEYS"] += f";dashboard-agent agent sha256:{digest}"
        env["GATEWAY_WEB_DIR"] = harness.env_path("CRM_WEB_DIST_DIR")
        # Recomputing scores and fitting CLV over the demo set take seconds
        # under the sanitizers.
        env["GATEWAY_BACKEND_TIMEOUT"] = "60s"
        return env

    def api(self, method, path, body=None, expect=200, headers=None):
        status, _, payload = self.http(
            method, path, body,
            headers={"X-API-Key": self.api_key, **(headers or {})}, timeout=60)
        if status != expect:
            raise AssertionError(f"{method} {path}: HTTP {status}: {payload}")
        return payload

    def list_all(self, path, field):
        items, token = [], ""
        while True:
            separator = "&" if "?" in path else "?"
            page = self.api("GET", f"{path}{separator}pageSize=1000&pageToken={token}")
            items += page.get(field, [])
            token = page.get("nextPageToken", "")
            if not token:
                return items


def check_prerequisites():
    chromium = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        raise AssertionError(f"{chromium} not found: run scripts/install-deps.sh")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        raise AssertionError("tests/browser/node_modules/playwright-core not "
                             "found: run scripts/install-deps.sh")
    index = os.path.join(harness.env_path("CRM_WEB_DIST_DIR"), "index.html")
    if not os.path.isfile(index):
        raise AssertionError(f"{index} not found: build the target crm-dashboard "
                             "(needs `npm ci` in gateway/web: scripts/install-deps.sh)")


def gateway_of(suite):
    return load_demo_extras.Gateway(f"http://127.0.0.1:{suite.http_port}", suite.api_key)


def load_loyalty(suite):
    """The programme, rewards and campaigns of the demo set
    (tools/demo_data/load_demo_extras.py), before the orders."""
    harness.log(f"loyalty: {load_demo_extras.load_program(gateway_of(suite))}")


def load_demo_data(suite):
    result = subprocess.run(
        [harness.binary("demo_data"), f"--customers={DEMO_CUSTOMERS}", "--seed=42",
         f"--addr=127.0.0.1:{suite.grpc_ports['customer-profile']}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=240,
        check=False)
    if result.returncode != 0:
        raise AssertionError(f"crm-demo-data failed: {result.stderr}")
    harness.log(result.stdout.strip())
    customers = suite.list_all("/v1/customers", "customers")

    # Segmentation follows the feed one event at a time: wait until its
    # scores stop changing (the same scores, with the same etags, over 4
    # polls a second apart).
    fingerprints = []

    def settled():
        scores = suite.list_all("/v1/customerScores", "customerScores")
        fingerprints.append((len(scores), hash(tuple(
            (s["name"], s.get("etag", ""), s.get("valueTier", "")) for s in scores))))
        return fingerprints[-1][0] > 0 and len(fingerprints) >= 4 and len(
            set(fingerprints[-4:])) == 1

    harness.wait_for(settled, 180, "segmentation's scores to settle", interval=1)
    harness.log(f"{len(customers)} customers, {fingerprints[-1][0]} scored")
    suite.api("POST", "/v1/customerScores:recompute", {"requestId": "dash-recompute-1"})
    status, _, model = suite.http("POST", "/v1/clvModels:fit", {"requestId": "dash-fit"},
                                  headers={"X-API-Key": suite.api_key}, timeout=120)
    harness.log(f"CLV fit: HTTP {status}")
    if status == 200:
        suite.api("POST", "/v1/customerScores:recompute", {"requestId": "dash-recompute-2"})
    del model
    return customers


def load_feedback(suite):
    """The demo set's feedback, survey, tickets and coupon
    (load_demo_extras.py, the same loader `make run` uses); returns its
    summary (the survey's name, the customer with the coupon)."""
    summary = load_demo_extras.load_activity(gateway_of(suite))
    harness.log(f"feedback: {summary}")
    return summary


def load_segments(suite):
    for i, (name, rule) in enumerate((
            ("高价值 / High value", 'value_tier = "HIGH"'),
            ("At risk", 'lifecycle = "AT_RISK"'))):
        status, _, body = suite.http(
            "POST", f"/v1/segments?requestId=dash-segment-{i}",
            {"displayName": name, "rule": rule},
            headers={"X-API-Key": suite.api_key})
        harness.log(f"segment {name!r}: HTTP {status}"
                    + ("" if status == 200 else f" {body}"))


def check_static_files(suite):
    """Cache headers, ETag/304 and gzip of / and its assets."""
    status, headers, page = suite.http("GET", "/")
    assert status == 200, f"GET /: HTTP {status}"
    assert headers.get("cache-control") == "no-cache", headers
    assert headers.get("content-type", "").startswith("text/html"), headers
    status, _, _ = suite.http("GET", "/", headers={"If-None-Match": headers["etag"]})
    assert status == 304, f"GET / with its ETag: HTTP {status}"
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page)
    assert any(a.endswith(".js") for a in assets), page
    for asset in assets:
        status, headers, _ = suite.http("GET", asset, headers={"Accept-Encoding": "gzip"})
        assert status == 200, f"GET {asset}: HTTP {status}"
        assert headers.get("cache-control") == "public, max-age=31536000, immutable", headers
        assert headers.get("content-encoding") == "gzip", headers
        status, headers, _ = suite.http("GET", asset)
        assert status == 200 and "content-encoding" not in headers, headers
    status, _, _ = suite.http("GET", "/assets/missing.js")
    assert status == 404, f"GET /assets/missing.js: HTTP {status}"
    harness.log(f"static files: / no-cache, {len(assets)} assets immutable, gzip, 304")


def main():
    check_prerequisites()
    screenshots = harness.env_path("CRM_SCREENSHOT_DIR")
    os.makedirs(screenshots, exist_ok=True)
    browser_check = subprocess.Popen(  # pylint: disable=consider-using-with
        ["node", os.path.join(HERE, "dashboard.mjs")], cwd=HERE,
        stdin=subprocess.PIPE, text=True,
        preexec_fn=harness._die_with_parent)  # pylint: disable=protected-access
    suite = DashboardSuite()
    failed = True
    returncode = 1
    try:
        started = time.monotonic()
        suite.start_database()
        suite.start_binaries()
        load_loyalty(suite)
        customers = load_demo_data(suite)
        activity = load_feedback(suite)
        load_segments(suite)
        harness.log(f"suite loaded in {time.monotonic() - started:.1f} s")
        check_static_files(suite)
        # The customer searched for: the one with the demo coupon (it has
        # an email and orders), else one with an email and orders.
        with_email = next(
            (c for c in customers if c["name"] == activity["coupon_customer"]),
            next((c for c in customers if c.get("email")
                  and int(c.get("purchaseSummary", {}).get("orderCount", "0")) > 0),
                 next(c for c in customers if c.get("email"))))
        target = {
            "baseUrl": f"http://127.0.0.1:{suite.http_port}",
            "apiKey": suite.api_key,
            "analystKey": suite.analyst_key,
            "agentKey": suite.agent_key,
            "email": with_email["email"],
            "customer": with_email["name"],
            "survey": activity["survey"],
            "couponCustomer": activity["coupon_customer"],
            "screenshots": screenshots,
        }
        browser_check.communicate(json.dumps(target) + "\n", timeout=NODE_TIMEOUT_SECONDS)
        suite.assert_all_alive()
        failed = browser_check.returncode != 0
        returncode = browser_check.returncode
    finally:
        if browser_check.poll() is None:
            browser_check.kill()
            browser_check.wait()
        codes = suite.stop(dump_logs=failed)
        if any(code != 0 for code in codes.values()):
            print(f"binaries did not exit 0 on SIGTERM: {codes}", file=sys.stderr)
            returncode = 1
    return returncode


if __name__ == "__main__":
    sys.exit(main())
