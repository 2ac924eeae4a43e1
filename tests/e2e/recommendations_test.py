#!/usr/bin/python3
"""End-to-end: product recommendations over the real suite.

Orders recorded through the gateway (RecordOrder with line items) reach
segmentation over customer-profile's change feed, which counts each new
order's basket; GET /v1/customers/{id}/recommendations then recommends,
to a customer who bought green tea, the product bought with green tea in
every planted basket, with the reason, and no longer once they bought it
(unless asked to include bought products); a count out of range is refused
naming the field; the export lists each order's SKUs. Behaviour clusters
fit through the gateway and read back.

    ctest -R e2e_recommendations --output-on-failure
"""

import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# pylint: disable-next=wrong-import-position
from harness import FeedSuite, wait_for  # noqa: E402

FEED_TIMEOUT = 60


class RecommendationsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = FeedSuite.start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    def call(self, method, path, body=None, expect=200):
        status, _, reply = self.suite.http(method, path, body)
        self.assertEqual(status, expect, f"{method} {path}: {reply}")
        return reply

    def customer(self):
        return self.call(
            "POST", f"/v1/customers?request_id={uuid.uuid4().hex}",
            {"givenName": "Mei",
             "email": f"mei-{uuid.uuid4().hex}@example.com"})["name"]

    def order(self, name, skus):
        lines = [{"sku": sku, "quantity": "1", "category": "tea"}
                 for sku in skus]
        self.call("POST", f"/v1/{name}/orders", {
            "channel": "web", "channelOrderId": f"o-{uuid.uuid4().hex}",
            "amount": {"currencyCode": "CNY", "amountMinor": "5000"},
            "lineItems": lines, "orderTime": "2026-11-20T02:00:00Z"})

    def test_a_planted_pair_is_recommended_with_its_reason(self):
        run = uuid.uuid4().hex[:8]
        green, cups, other = (f"GREEN-{run}", f"CUPS-{run}", f"OTHER-{run}")
        for i in range(4):
            buyer = self.customer()
            self.order(buyer, [green, cups] + ([other] if i == 0 else []))
            # Baskets without green tea, so buying it with cups is telling.
            self.order(buyer, [other])
        target = self.customer()
        self.order(target, [green])

        def recommended():
            reply = self.call("GET", f"/v1/{target}/recommendations")
            items = reply.get("recommendations", [])
            return items[0] if items and items[0]["sku"] == cups else None

        wait_for(recommended, FEED_TIMEOUT,
                 "segmentation to count the baskets")
        top = recommended()
        self.assertEqual(top["becauseSku"], green, top)
        self.assertEqual(top["category"], "tea", top)
        self.assertIn(f"bought with {green}, lift ", top["reason"])
        self.assertGreater(top["lift"], 1.0, top)

        # Once bought, cups come back only when asked for.
        self.order(target, [cups])

        def skus(query=""):
            reply = self.call("GET", f"/v1/{target}/recommendations{query}")
            return [r["sku"] for r in reply.get("recommendations", [])]

        wait_for(lambda: cups not in skus(), FEED_TIMEOUT,
                 "segmentation to record the second order")
        self.assertIn(cups, skus("?includePurchased=true&count=50"))

        status, _, error = self.suite.http(
            "GET", f"/v1/{target}/recommendations?count=101")
        self.assertEqual(status, 400, error)
        self.assertIn("count", str(error))

        export = self.call("GET", f"/v1/{target}:exportSegmentationData")
        self.assertEqual(sorted(o["skus"] for o in export["orders"]),
                         [[cups], [green]], export)


    def test_behaviour_clusters_fit_and_read_back(self):
        for i in range(6):
            buyer = self.customer()
            for n in range(1 + i % 3):
                self.order(buyer, [f"SKU-{n}"])
        # Enough customers with orders reach segmentation's read model.
        model = {}

        def fitted():
            status, _, reply = self.suite.http(
                "POST", "/v1/clusterModels:fit",
                {"requestId": uuid.uuid4().hex, "maxClusters": 3})
            model.clear()
            model.update(reply if status == 200 else {"last": (status, reply)})
            return status == 200

        try:
            wait_for(fitted, FEED_TIMEOUT, "enough customers to cluster")
        except AssertionError:
            print(model)
            raise
        self.assertTrue(model["name"].startswith("clusterModels/"), model)
        self.assertIn(len(model["clusters"]), (2, 3), model)
        self.assertTrue(all(c["description"] for c in model["clusters"]))
        again = self.call("GET", f"/v1/{model['name']}")
        self.assertEqual(again["clusters"], model["clusters"])
        status, _, error = self.suite.http(
            "POST", "/v1/clusterModels:fit", {"minClusters": 1})
        self.assertEqual(status, 400, error)
        self.assertIn("min_clusters", str(error))


if __name__ == "__main__":
    unittest.main()
