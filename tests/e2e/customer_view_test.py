#!/usr/bin/python3
"""End-to-end: the customer 360 view over the real suite.

GET /v1/customers/{id}:view gathers one customer from every service in four
backend calls, three of them summaries: segmentation's
SummarizeCustomerSegmentation (scores, memberships, lifecycle history),
loyalty's SummarizeAccount (account, newest ledger entries, ISSUED coupons)
and feedback's SummarizeCustomerFeedback (newest feedback, open tickets,
newest survey responses, the open tickets' OPEN alerts). A business
customer with an order, points, a coupon, feedback, a ticket and an NPS
answer comes back whole, with its type, company and tax id; each summary
also answers on its own route (admin keys), asks only for the parts it is
given counts for, and refuses a count out of range naming the field; an
agent's view is whole too, an analyst's has no coupons and the company and
tax id masked. A segment rule `customer_type = "BUSINESS"` takes the
business in over the feed and leaves an individual out.

    ctest -R e2e_customer_view --output-on-failure
"""

import hashlib
import os
import secrets
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# pylint: disable-next=wrong-import-position
from harness import FeedSuite, wait_for  # noqa: E402

FEED_TIMEOUT = 60


class RoleSuite(FeedSuite):
    """FeedSuite whose gateway also knows an agent's and an analyst's key."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role_keys = {role: f"e2e-{role}-" + secrets.token_hex(16)
                          for role in ("agent", "analyst")}

    def gateway_env(self):
        env = super().gateway_env()
        for role, key in self.role_keys.items():
            digest = hashlib.sha256(key.encode("ascii")).hexdigest()
            env["GATEWAY_API_KEYS"] += f";e2e-{role} {role} sha256:{digest}"
        return env


class CustomerViewTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = RoleSuite.start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def call(self, method, path, body=None, expect=200, headers=None):
        status, _, reply = self.suite.http(method, path, body, headers)
        self.assertEqual(status, expect, f"{method} {path}: {reply}")
        return reply

    def post(self, path, body, id_in_body=False):
        """POST with a fresh request id: in the body for a route whose body
        is the whole request, else as the `request_id` parameter."""
        if id_in_body:
            return self.call("POST", path,
                             dict(body, requestId=uuid.uuid4().hex))
        return self.call("POST", f"{path}?request_id={uuid.uuid4().hex}",
                         body)

    def make_customer(self):
        """A business customer (company and tax id) with an order, 300
        points, a coupon (50 of them), a complaint, an open ticket and an
        NPS 9."""
        customer = self.post("/v1/customers", {
            "givenName": "Lan", "email": f"lan-{uuid.uuid4().hex}@example.com",
            "customerType": "BUSINESS", "companyName": "兰氏贸易有限公司",
            "taxId": "91310000-MA1FL0000X"})
        name = customer["name"]
        cid = name.split("/", 1)[1]
        self.call("POST", f"/v1/{name}/orders", {
            "channel": "web", "channelOrderId": f"o-{uuid.uuid4().hex}",
            "amount": {"currencyCode": "CNY", "amountMinor": "12000"},
            "orderTime": "2026-11-11T02:00:00Z"})
        self.post(f"/v1/accounts/{cid}:adjustPoints",
                  {"pointsDelta": "300", "reason": "welcome"}, id_in_body=True)
        reward = self.post("/v1/rewards", {
            "displayName": "咖啡券", "pointCost": "50", "stock": "10",
            "couponValidityDays": 30})["name"]
        self.post(f"/v1/accounts/{cid}:redeemReward", {"reward": reward},
                  id_in_body=True)
        self.post("/v1/feedback", {
            "customer": name, "channel": "app", "type": "COMPLAINT",
            "rating": 2, "text": "快递太慢了"})
        self.post("/v1/tickets", {
            "customer": name, "title": "Late parcel",
            "description": "客户要求退款", "category": "delivery"})
        survey = self.post("/v1/surveys", {
            "title": "NPS", "questions": [
                {"id": "nps", "kind": "NPS", "text": "Recommend us?"}]})
        self.post(f"/v1/{survey['name']}/responses", {
            "customer": name, "channel": "app",
            "answers": [{"questionId": "nps", "score": 9}]})
        # The order reaches segmentation over the feed: the score exists.
        wait_for(lambda: self.suite.http(
            "GET", f"/v1/{name}/score")[0] == 200, FEED_TIMEOUT,
            "segmentation to score the customer")
        return name, cid

    def test_the_view_is_whole_and_the_summaries_answer_alone(self):
        name, cid = self.make_customer()
        view = self.call("GET", f"/v1/{name}:view")
        self.assertEqual(view["missing"], [], view)
        self.assertEqual(view["account"]["pointsBalance"], "250", view)
        self.assertGreaterEqual(len(view["recentLedgerEntries"]), 2, view)
        self.assertEqual(len(view["coupons"]), 1, view)
        self.assertEqual(view["coupons"][0]["state"], "ISSUED", view)
        self.assertEqual(len(view["recentFeedback"]), 1, view)
        self.assertEqual(len(view["openTickets"]), 1, view)
        self.assertEqual(view["openTickets"][0]["state"], "NEW", view)
        self.assertEqual(view["openAlerts"], [], view)  # None escalated.
        self.assertEqual(view["latestNps"]["score"], 9, view)
        self.assertIsNone(view["latestCsat"], view)
        self.assertIsNotNone(view["score"], view)
        # The type and, for an admin, the company; the score's behaviour
        # cluster's number (0 until a cluster model is fitted).
        self.assertEqual(view["customer"]["customerType"], "BUSINESS", view)
        self.assertEqual(view["customer"]["companyName"], "兰氏贸易有限公司")
        self.assertEqual(view["customer"]["taxId"], "91310000-MA1FL0000X")
        self.assertIsInstance(view["score"]["cluster"], int, view)
        self.assertGreaterEqual(view["score"]["cluster"], 0, view)

        account = self.call(
            "GET", f"/v1/accounts/{cid}:summarize?ledgerEntryCount=1")
        self.assertEqual(account["account"]["pointsBalance"], "250", account)
        self.assertEqual(len(account["recentLedgerEntries"]), 1, account)
        self.assertEqual(account.get("issuedCoupons", []), [])  # Not asked.
        feedback = self.call(
            "GET", f"/v1/{name}:summarizeFeedback?openTicketCount=5"
            "&surveyResponseCount=5")
        self.assertEqual(feedback["customer"], name, feedback)
        self.assertEqual(len(feedback["openTickets"]), 1, feedback)
        self.assertEqual(len(feedback["recentSurveyResponses"]), 1, feedback)
        self.assertEqual(feedback.get("recentFeedback", []), [])  # Not asked.

        segmentation = self.call(
            "GET", f"/v1/{name}:summarizeSegmentation"
            "?lifecycleTransitionCount=5")
        self.assertEqual(segmentation["customer"], name, segmentation)
        self.assertGreaterEqual(
            len(segmentation["lifecycleTransitions"]), 1, segmentation)
        self.assertNotIn("customerScore", segmentation)  # Not asked for.

        for path, field in (
                (f"/v1/accounts/{cid}:summarize?couponCount=51",
                 "coupon_count"),
                (f"/v1/{name}:summarizeSegmentation?segmentCount=1001",
                 "segment_count"),
                (f"/v1/{name}:summarizeFeedback?openAlertCount=-1",
                 "open_alert_count")):
            error = self.call("GET", path, expect=400)["error"]
            reasons = [d for d in error.get("details", [])
                       if d.get("reason") == "FIELD_INVALID"]
            self.assertTrue(reasons, error)
            self.assertEqual(reasons[0]["metadata"]["field"], field, error)

    def test_roles_see_what_their_routes_show(self):
        name, _ = self.make_customer()
        keys = self.suite.role_keys
        agent = self.call("GET", f"/v1/{name}:view",
                          headers={"X-API-Key": keys["agent"]})
        self.assertEqual(agent["missing"], [], agent)
        self.assertEqual(len(agent["coupons"]), 1, agent)
        analyst = self.call("GET", f"/v1/{name}:view",
                            headers={"X-API-Key": keys["analyst"]})
        self.assertEqual([m["part"] for m in analyst["missing"]], ["coupons"])
        self.assertEqual(len(analyst["openTickets"]), 1, analyst)
        self.assertEqual(analyst["latestNps"]["score"], 9, analyst)
        # Analysts see the type, never the company or the tax id.
        self.assertEqual(analyst["customer"]["customerType"], "BUSINESS")
        self.assertEqual(analyst["customer"]["companyName"], "***")
        self.assertEqual(analyst["customer"]["taxId"], "***")
        self.assertEqual(agent["customer"]["companyName"], "兰氏贸易有限公司")

    def test_a_customer_type_rule_finds_the_business(self):
        segment = self.call("POST", "/v1/segments", {
            "displayName": "Businesses",
            "rule": 'customer_type = "BUSINESS"'})["name"]
        # The individual first: the feed applies it before the business.
        person = self.post("/v1/customers", {
            "givenName": "Mei",
            "email": f"mei-{uuid.uuid4().hex}@example.com"})["name"]
        name, _ = self.make_customer()

        def members():
            page = self.call("GET", f"/v1/{segment}/members?pageSize=1000")
            return {m["customer"] for m in page.get("segmentMembers", [])}

        wait_for(lambda: name in members(), FEED_TIMEOUT,
                 "segmentation to put the business in the segment")
        self.assertNotIn(person, members())


if __name__ == "__main__":
    unittest.main()
