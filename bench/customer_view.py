"""The customer 360 view next to the backend calls it makes.

Starts the whole suite (tests/e2e/harness.py: its own MariaDB, every service
and the gateway on free ports) with segmentation, loyalty and feedback
following customer-profile's change feed (FeedSuite), as
scripts/start-suite.sh runs them. Creates one
customer with an order and a feedback item, waits (polling, with a deadline)
until segmentation has scored the customer, then calls
GET /v1/customers/{id}:view and each backend read the view makes, through the
same gateway, one after another, N times each (round robin, so every path
sees the same machine load). Prints p50 and p99 per path and the view's p99
over the slowest backend call's p99 (the goal is at most 2). Run it through
bench/customer_view.sh.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "e2e"))
# pylint: disable-next=wrong-import-position
from harness import FeedSuite, wait_for  # noqa: E402

N = int(os.environ.get("BENCH_VIEW_CALLS", "300"))
# How long the order may take to reach segmentation over the change feed.
FEED_TIMEOUT = 60


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1,
                             int(len(sorted_values) * fraction))]


def main():
    suite = FeedSuite.start()
    try:
        status, _, customer = suite.http(
            "POST", "/v1/customers",
            {"givenName": "Bench", "email": "view-bench@example.com"})
        assert status == 200, customer
        customer_id = customer["name"].split("/", 1)[1]
        status, _, order = suite.http(
            "POST", f"/v1/customers/{customer_id}/orders",
            {"channel": "web", "channelOrderId": "view-bench-1",
             "amount": {"currencyCode": "CNY", "amountMinor": "12000"},
             "orderTime": "2026-11-11T02:00:00Z"})
        assert status == 200, order
        suite.http("POST", "/v1/feedback",
                   {"customer": f"customers/{customer_id}", "channel": "app",
                    "type": "PRAISE", "text": "很好"})
        # The order reaches segmentation over the feed: its score exists.
        score_path = f"/v1/customers/{customer_id}/score"
        wait_for(lambda: suite.http("GET", score_path)[0] == 200,
                 FEED_TIMEOUT, "segmentation to score the bench customer")
        # The view's calls (GetProgram and ListCampaigns: when the view's
        # 10 s copy of them is stale), with the view's page sizes and counts.
        paths = {
            "view": f"/v1/customers/{customer_id}:view",
            "GetCustomer": f"/v1/customers/{customer_id}",
            "SummarizeCustomerSegmentation": (
                f"/v1/customers/{customer_id}:summarizeSegmentation"
                "?segmentCount=100&lifecycleTransitionCount=10"),
            "SummarizeAccount": (f"/v1/accounts/{customer_id}:summarize"
                                 "?ledgerEntryCount=10&couponCount=20"),
            "SummarizeCustomerFeedback": (
                f"/v1/customers/{customer_id}:summarizeFeedback"
                "?feedbackCount=10&openTicketCount=10"
                "&surveyResponseCount=20&openAlertCount=30"),
            "GetProgram": "/v1/programs/default",
            "ListCampaigns": "/v1/campaigns?pageSize=1000",
        }
        for name, path in paths.items():
            status, _, answer = suite.http("GET", path)
            assert status == 200, (name, status, answer)
        status, _, view = suite.http("GET", paths["view"])
        scored = isinstance(view, dict) and view.get("score") is not None
        print(f"view: HTTP {status}, missing "
              f"{view.get('missing', []) if isinstance(view, dict) else view}"
              f", scored: {scored}")
        latencies = {name: [] for name in paths}
        for _ in range(N):
            for name, path in paths.items():
                start = time.perf_counter()
                suite.http("GET", path)
                latencies[name].append((time.perf_counter() - start) * 1000)
        p99 = {}
        for name, values in latencies.items():
            values.sort()
            p99[name] = percentile(values, 0.99)
            print(f"{name:29s} p50 {percentile(values, 0.5):7.2f} ms   "
                  f"p99 {p99[name]:7.2f} ms   n={len(values)}")
        slowest = max((name for name in paths if name != "view"),
                      key=lambda name: p99[name])
        print(f"view p99 / slowest backend p99 ({slowest}): "
              f"{p99['view'] / p99[slowest]:.2f}")
    finally:
        suite.stop()


if __name__ == "__main__":
    main()
