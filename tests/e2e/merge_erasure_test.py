#!/usr/bin/python3
"""Merges and erasures reach every service, end to end through the gateway.

Two customers who are the same person get orders (points earned through the
feed), coupons, feedback and a ticket, and one of them refers a bystander
(loyalty rewards it on the bystander's first order, and segmentation values
it as the survivor's referral value); MergeCustomers makes them one, and
every service must show one customer with the combined history and exact
totals. EraseCustomer then forgets the survivor: service by service and in
a dump of every service's database, no row may hold the person's e-mail,
phone, name, external id or customer ids (customer-profile keeps its own
tombstone row, documented), while the aggregates stay right.

KillDuringMergeAndErasureTest kills loyalty and feedback with SIGKILL while
their feed consumers apply the merge and the erasure, restarts them, and
checks that the outcome is the one without the kill.

    ctest -R e2e_merge_erasure --output-on-failure

Same harness as e2e_test.py (one suite per class, own MariaDB, free ports,
everything stopped by PID), with the three consumers following
customer-profile's change feed as scripts/start-suite.sh sets them up.
"""

import os
import random
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402 pylint: disable=wrong-import-position
from e2e_test import SuiteTestCase  # noqa: E402 pylint: disable=wrong-import-position
from harness import wait_for  # noqa: E402 pylint: disable=wrong-import-position

# The databases that must forget an erased customer completely.
DOWNSTREAM = {"segmentation": "crm_segmentation", "loyalty": "crm_loyalty",
              "feedback": "crm_feedback"}
# The consumers of loyalty's feed, whose cursors count another feed's
# sequences (segmentation's CRV, referral_value.h).
OTHER_FEED_CONSUMERS = "('segmentation-loyalty')"
# The ChangeEvent types each database's consumer asks the feed for (its
# cursor moves only over those): CUSTOMER_CREATED 1, _UPDATED 2, _MERGED 3,
# _ERASED 4, ORDER_RECORDED 5, ORDER_REFUNDED 6, INTERACTION_RECORDED 7.
FEED_TYPES = {"crm_segmentation": (1, 2, 3, 4, 5, 6, 7),
              "crm_loyalty": (1, 2, 3, 4, 5, 6), "crm_feedback": (3, 4)}
FEED_TIMEOUT = 20


class DumpSuite(harness.FeedSuite):
    """The suite following the feed, with SQL access to each database."""

    def sql(self, database, statement):
        """Rows (lists of strings) of `statement` run as `database`'s own
        user; fails the test on an SQL error."""
        result = self.db.query(database, self.passwords[database], statement,
                               database)
        if result.returncode != 0:
            raise AssertionError(f"{statement}: {result.stderr}")
        return [line.split("\t") for line in result.stdout.splitlines()]

    def scalar(self, database, statement):
        rows = self.sql(database, statement)
        return rows[0][0] if rows else None

    def dump(self, database):
        """Every row of every table of `database` (mariadb-dump, one INSERT
        per row), as bytes."""
        result = subprocess.run(
            ["mariadb-dump", "--no-defaults", "--protocol=TCP", "-h127.0.0.1",
             f"-P{self.db.port}", f"-u{database}", "--single-transaction",
             "--no-tablespaces", "--skip-extended-insert", "--no-create-info",
             "--skip-comments", database],
            env=dict(os.environ, MYSQL_PWD=self.passwords[database]),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60,
            check=False)
        if result.returncode != 0:
            raise AssertionError(f"mariadb-dump {database}: {result.stderr!r}")
        return result.stdout

    def feed_position(self, database):
        """The sequence of the last event of customer-profile's feed that
        `database`'s consumer takes, once every committed event is
        numbered."""
        def numbered():
            return self.scalar(
                "crm_customer_profile",
                "SELECT COUNT(*) FROM change_feed_events "
                "WHERE sequence IS NULL") == "0"
        wait_for(numbered, FEED_TIMEOUT, "the feed's events to be numbered",
                 interval=0.05)
        types = ", ".join(str(t) for t in FEED_TYPES[database])
        return int(self.scalar(
            "crm_customer_profile",
            "SELECT COALESCE(MAX(sequence), 0) FROM change_feed_events "
            f"WHERE type IN ({types})"))

    def cursor(self, database):
        """The lowest cursor of the profile-feed consumers in `database`."""
        value = self.scalar(database,
                            "SELECT MIN(last_sequence) FROM "
                            "feed_consumer_cursors WHERE consumer NOT IN "
                            f"{OTHER_FEED_CONSUMERS}")
        return int(value) if value not in (None, "NULL") else 0

    def wait_for_feeds(self, databases=tuple(DOWNSTREAM.values())):
        """Waits until every consumer has applied the whole feed."""
        for database in databases:
            target = self.feed_position(database)
            wait_for(lambda d=database, t=target: self.cursor(d) >= t,
                     FEED_TIMEOUT, f"{database} to apply the feed up to "
                     f"{target}", interval=0.05)

    def restart(self, name):
        """Starts binary `name` again on its ports (after a kill) and waits
        for it to serve."""
        self.processes[name] = self.spawn(name, self.service_env(name))
        harness.log(f"restarted {name} as PID {self.processes[name].pid}")
        wait_for(lambda: self.health(name) == "SERVING", 60,
                 f"{name} to serve again")


class TransactionWatcher:
    """One long-lived mariadb client (as the suite's admin) that holds row
    locks a feed consumer will need, and sees the consumer wait for them
    inside its transaction."""

    def __init__(self, suite):
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            ["mariadb", "--no-defaults", "--protocol=TCP", "-h127.0.0.1",
             f"-P{suite.db.port}", "-ucrm_admin", "--batch",
             "--skip-column-names", "--unbuffered"],
            env=dict(os.environ, MYSQL_PWD=harness.ADMIN_PASSWORD),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True,
            preexec_fn=harness._die_with_parent)  # pylint: disable=protected-access

    def _query(self, statement):
        self.process.stdin.write(statement + ";\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def cursor(self, database):
        """As DumpSuite.cursor, on this connection."""
        value = self._query(f"SELECT COALESCE(MIN(last_sequence), 0) FROM "
                            f"`{database}`.feed_consumer_cursors WHERE "
                            f"consumer NOT IN {OTHER_FEED_CONSUMERS}")
        return int(value or 0)

    def feed_position(self, database):
        """As DumpSuite.feed_position, on this connection."""
        def numbered():
            return self._query(
                "SELECT COUNT(*) FROM crm_customer_profile.change_feed_events "
                "WHERE sequence IS NULL") == "0"
        wait_for(numbered, FEED_TIMEOUT, "the feed's events to be numbered",
                 interval=0.01)
        types = ", ".join(str(t) for t in FEED_TYPES[database])
        return int(self._query(
            "SELECT COALESCE(MAX(sequence), 0) FROM "
            f"crm_customer_profile.change_feed_events WHERE type IN ({types})"))

    def hold(self, locks):
        """Opens a transaction that takes the row locks of `locks` (SELECT
        ... FOR UPDATE statements), so that a consumer needing one of those
        rows waits inside its own transaction."""
        self._query("START TRANSACTION; SELECT 1")
        for statement in locks:
            self._query(statement)

    def release(self):
        self._query("ROLLBACK; SELECT 1")

    def waiting(self, user):
        """(transactions of `user` waiting for a lock, rows they have
        written so far)."""
        row = self._query(
            "SELECT COUNT(*), COALESCE(SUM(t.trx_rows_modified), 0) FROM "
            "information_schema.innodb_trx t JOIN "
            "information_schema.processlist p ON p.id = "
            f"t.trx_mysql_thread_id WHERE p.user = '{user}' AND "
            "t.trx_state = 'LOCK WAIT'").split("\t")
        return int(row[0]), int(row[1])

    def describe(self):
        """Every open transaction: user, state, rows written."""
        return self._query(
            "SELECT GROUP_CONCAT(CONCAT(p.user, ':', t.trx_state, ':', "
            "t.trx_rows_modified)) FROM information_schema.innodb_trx t JOIN "
            "information_schema.processlist p ON p.id = "
            "t.trx_mysql_thread_id")

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class MergeErasureTestCase(SuiteTestCase):
    """Helpers over the gateway for a person with two customer records."""

    @classmethod
    def setUpClass(cls):
        cls.suite = DumpSuite.start()

    def call(self, method, path, body=None, expect=200, headers=None):
        status, _, reply = self.suite.http(method, path, body, headers)
        self.assertEqual(status, expect, f"{method} {path}: {reply}")
        return reply

    def configure_program(self):
        """1 point per CNY 1.00; silver from 0 points, gold from 300."""
        program = self.call("GET", "/v1/programs/default")
        self.call("PATCH",
                  "/v1/programs/default?update_mask=earn_rates,tiers",
                  {"earnRates": [{"currencyCode": "CNY", "points": "1",
                                  "perAmountMinor": "100"}],
                   "tiers": [{"tierId": "silver", "minQualifyingPoints": "0"},
                             {"tierId": "gold",
                              "minQualifyingPoints": "300"}]},
                  headers={"If-Match": f'"{program["etag"]}"'})

    def new_customer(self, person, tag):
        query = urllib.parse.urlencode({"request_id": uuid.uuid4().hex})
        body = {"givenName": person["given"], "familyName": person["family"],
                "email": person["email"], "phone": person["phone"],
                "tags": [tag],
                "externalIdentities": [{"channel": "store_card",
                                        "id": person["external_id"]}]}
        customer = self.call("POST", f"/v1/customers?{query}", body)
        return customer["name"]

    def order(self, customer, amount_minor):
        self.call("POST", f"/v1/{customer}/orders", {
            "channel": "web", "channelOrderId": f"o-{uuid.uuid4().hex}",
            "amount": {"currencyCode": "CNY",
                       "amountMinor": str(amount_minor)},
            "orderTime": "2026-11-11T02:00:00Z"})

    def feedback(self, customer, text, rating=2):
        query = urllib.parse.urlencode({"request_id": uuid.uuid4().hex})
        return self.call("POST", f"/v1/feedback?{query}", {
            "customer": customer, "channel": "app", "type": "COMPLAINT",
            "rating": rating, "text": text})["name"]

    def ticket(self, customer, title, comment):
        query = urllib.parse.urlencode({"request_id": uuid.uuid4().hex})
        ticket = self.call("POST", f"/v1/tickets?{query}", {
            "customer": customer, "title": title,
            "description": "客户要求退款", "category": "delivery"})["name"]
        self.call("POST", f"/v1/{ticket}:comment",
                  {"text": comment, "requestId": uuid.uuid4().hex})
        return ticket

    def account(self, customer):
        return self.call("GET", "/v1/accounts/" + customer.split("/", 1)[1])

    def verify(self, account_id):
        return self.call("GET", f"/v1/accounts/{account_id}:verifyLedger")

    def wait_balance(self, customer, points):
        wait_for(lambda: int(self.account(customer)["pointsBalance"]) == points,
                 FEED_TIMEOUT, f"{customer} to hold {points} points",
                 interval=0.1)

    def listed(self, path, field, filter_text=None):
        """Every item of a list route (all pages)."""
        items, token = [], ""
        while True:
            params = {"page_size": "100"}
            if filter_text:
                params["filter"] = filter_text
            if token:
                params["page_token"] = token
            reply = self.call("GET", f"{path}?{urllib.parse.urlencode(params)}")
            items += reply.get(field, [])
            token = reply.get("nextPageToken", "")
            if not token:
                return items

    def merge(self, survivor, duplicate):
        return self.call("POST", "/v1/customers:merge", {
            "survivor": survivor, "duplicate": duplicate,
            "requestId": uuid.uuid4().hex})

    def erase(self, customer):
        query = urllib.parse.urlencode({"request_id": uuid.uuid4().hex})
        erased = self.call("POST", f"/v1/{customer}:erase?{query}")
        self.assertEqual(erased["state"], "ERASED", erased)

    def assert_forgotten(self, needles):
        """No row of segmentation, loyalty or feedback holds any needle; in
        customer-profile's database none but the ids (its own tombstone
        rows, the feed) does."""
        ids = {n for n in needles if n.startswith("customers/")}
        found = []
        for database in DOWNSTREAM.values():
            dump = self.suite.dump(database)
            self.assertIn(b"INSERT INTO", dump, database)  # Not empty.
            for needle in needles:
                bare = needle.split("/", 1)[1] if needle in ids else needle
                found += rows_holding(database, dump, bare)
        dump = self.suite.dump("crm_customer_profile")
        for needle in needles - ids:
            found += rows_holding("crm_customer_profile", dump, needle)
        if found:
            self.fail(f"{len(found)} rows still hold the erased person:\n"
                      + "\n".join(found[:20]))


def rows_holding(database, dump, needle):
    """'database: row' for every dumped row (INSERT) containing needle."""
    encoded = needle.encode("utf-8")
    return [f"{database} ({needle}): "
            + line.decode("utf-8", errors="replace")[:300]
            for line in dump.splitlines() if encoded in line]


def person(label):
    token = uuid.uuid4().hex[:10]
    digits = str(random.randint(10**7, 10**8 - 1))
    return {"given": f"小明{label}", "family": "欧阳",
            "email": f"xm.{label}.{token}@example.com",
            "phone": f"+86139{digits}", "external_id": f"SC-{label}-{token}"}


def needles_of(*people):
    found = set()
    for p in people:
        found |= {p["email"], p["phone"], p["phone"][3:], p["external_id"],
                  p["given"], p["family"] + p["given"]}
    return found


class MergeAndErasureTest(MergeErasureTestCase):
    """One person with two records: merged, then erased."""

    def test_merge_then_erase_across_the_suite(self):
        started = time.monotonic()
        self.configure_program()
        tag = "same-person-" + uuid.uuid4().hex[:6]
        together = self.call("POST", "/v1/segments", {
            "displayName": "tagged " + tag, "rule": f'tag = "{tag}"'})["name"]
        loyal = self.call("POST", "/v1/segments", {
            "displayName": "three orders " + tag,
            "rule": "order_count >= 3"})["name"]
        reward = self.call("POST", "/v1/rewards", {
            "displayName": "咖啡券", "pointCost": "50", "stock": "10",
            "couponValidityDays": 30})["name"]

        me, also_me, bystander = person("a"), person("b"), person("c")
        survivor = self.new_customer(me, tag)
        duplicate = self.new_customer(also_me, tag)
        other = self.new_customer(bystander, "bystander")
        sid, did = survivor.split("/")[1], duplicate.split("/")[1]

        # The survivor refers the bystander, whose first order below rewards
        # the referral (the policy gives no points) on loyalty's feed.
        code = self.call("GET", f"/v1/{survivor}/referralCode")["code"]
        self.call("POST", f"/v1/referrals?request_id={uuid.uuid4().hex}",
                  {"referred": other, "referralCode": code})

        # Orders: 120 + 80 points for the survivor, 250 for the duplicate.
        self.order(survivor, 12000)
        self.order(survivor, 8000)
        self.order(duplicate, 25000)
        self.order(other, 5000)
        self.wait_balance(survivor, 200)
        self.wait_balance(duplicate, 250)
        # A coupon each (50 points), and 30 points by hand for the survivor.
        coupons = []
        for customer in (survivor, duplicate):
            redeemed = self.call(
                "POST", f"/v1/accounts/{customer.split('/')[1]}:redeemReward",
                {"reward": reward, "requestId": uuid.uuid4().hex})
            coupons.append(redeemed["coupon"]["name"])
        self.call("POST", f"/v1/accounts/{sid}:adjustPoints",
                  {"pointsDelta": "30", "reason": "生日礼", "requestId":
                   uuid.uuid4().hex})
        self.assertEqual(int(self.account(survivor)["pointsBalance"]), 180)
        self.assertEqual(int(self.account(duplicate)["pointsBalance"]), 200)
        for customer in (survivor, duplicate):
            self.assertEqual(self.account(customer)["tier"], "silver")

        # Feedback naming the person's own identifiers, a ticket each.
        items = [
            self.feedback(survivor, f"快递太慢了。我的邮箱 {me['email']}，"
                          f"电话 {me['phone']}"),
            self.feedback(duplicate, f"包装破了，请联系 {also_me['email']}"),
        ]
        tickets = [
            self.ticket(survivor, f"退款 {me['phone']}",
                        f"客户留言：请发邮件到 {me['email']}"),
            self.ticket(duplicate, "退款", f"回电 {also_me['phone']}"),
        ]
        self.feedback(other, "很好", rating=5)
        self.suite.wait_for_feeds()
        # segmentation follows loyalty's feed: the survivor's referral value
        # counts the bystander.
        wait_for(lambda: self.call("GET", f"/v1/{survivor}/score").get(
            "referralCount") == "1", FEED_TIMEOUT,
            "the rewarded referral to reach segmentation")
        members = self.listed(f"/v1/{together}/members", "segmentMembers")
        self.assertEqual(sorted(m["customer"] for m in members),
                         sorted([survivor, duplicate]), members)

        # ---- merge ------------------------------------------------------
        self.merge(survivor, duplicate)
        self.suite.wait_for_feeds()

        # loyalty: one account with the summed balance, both ledgers hold.
        account = self.account(survivor)
        self.assertEqual(int(account["pointsBalance"]), 380, account)
        self.assertEqual(account["tier"], "gold", account)  # 450 earned
        merged = self.account(duplicate)
        self.assertEqual(merged["mergedInto"], f"accounts/{sid}", merged)
        self.assertEqual(int(merged["pointsBalance"]), 0, merged)
        for account_id in (sid, did):
            verified = self.verify(account_id)
            self.assertTrue(verified["consistent"], verified)
        for coupon in coupons:
            self.assertEqual(self.call("GET", f"/v1/{coupon}")["customer"],
                             survivor)
        # segmentation: one score over three orders; the duplicate is gone.
        data = self.call("GET", f"/v1/{survivor}:exportSegmentationData")
        self.assertEqual(int(data["aggregate"]["orderCount"]), 3, data)
        self.assertEqual(data["aggregate"]["netSpend"],
                         [{"currencyCode": "CNY", "amountMinor": "45000"}],
                         data)
        self.assertIn(duplicate, data.get("mergedCustomers", []), data)
        score = self.call("GET", f"/v1/{survivor}/score")
        self.assertEqual(score["monetaryValue"]["amountMinor"], "45000")
        self.assertEqual(score.get("referralCount"), "1", score)
        self.assertEqual(
            [m["customer"] for m in
             self.listed(f"/v1/{together}/members", "segmentMembers")],
            [survivor])
        self.assertEqual(
            [m["customer"] for m in
             self.listed(f"/v1/{loyal}/members", "segmentMembers")],
            [survivor])
        # feedback: items and tickets on the survivor.
        self.assertEqual(
            sorted(i["name"] for i in self.listed(
                "/v1/feedback", "feedback", f'customer = "{survivor}"')),
            sorted(items))
        self.assertEqual(self.listed("/v1/feedback", "feedback",
                                     f'customer = "{duplicate}"'), [])
        for ticket in tickets:
            self.assertEqual(self.call("GET", f"/v1/{ticket}")["customer"],
                             survivor)
        # A late order addressed to the duplicate reaches the survivor.
        self.order(duplicate, 3000)
        self.suite.wait_for_feeds()
        self.assertEqual(int(self.account(survivor)["pointsBalance"]), 410)
        data = self.call("GET", f"/v1/{survivor}:exportSegmentationData")
        self.assertEqual(int(data["aggregate"]["orderCount"]), 4, data)
        harness.log(f"merge checked after {time.monotonic() - started:.1f}s")

        # ---- erasure ----------------------------------------------------
        feedback_before = len(self.listed("/v1/feedback", "feedback"))
        ledger_before = self.suite.sql(
            "crm_loyalty", "SELECT COUNT(*), SUM(points_delta) FROM ledger_entries")
        self.erase(survivor)
        self.suite.wait_for_feeds()

        # segmentation forgot both records; the bystander is still scored.
        self.call("GET", f"/v1/{survivor}/score", expect=404)
        self.call("GET", f"/v1/{duplicate}/score", expect=404)
        self.call("GET", f"/v1/{other}/score")
        self.assertEqual(self.listed(f"/v1/{together}/members",
                                     "segmentMembers"), [])
        # loyalty: the points were forfeited on tombstone accounts whose
        # ledgers still verify; coupons cancelled.
        tombstones = [row[0] for row in self.suite.sql(
            "crm_loyalty", "SELECT customer_id FROM accounts "
            "WHERE customer_id LIKE 'erased-%' ORDER BY customer_id")]
        self.assertEqual(len(tombstones), 2, tombstones)
        for tombstone in tombstones:
            verified = self.verify(tombstone)
            self.assertTrue(verified["consistent"], verified)
            self.assertEqual(int(verified["pointsBalance"]), 0, verified)
        count_after, sum_after = self.suite.sql(
            "crm_loyalty", "SELECT COUNT(*), SUM(points_delta) FROM ledger_entries")[0]
        # One FORFEIT of the 410 points; nothing else written or lost.
        self.assertEqual(int(count_after), int(ledger_before[0][0]) + 1)
        self.assertEqual(int(sum_after), int(ledger_before[0][1]) - 410)
        self.assertEqual(
            self.suite.scalar("crm_loyalty", "SELECT GROUP_CONCAT(DISTINCT "
                              "state) FROM coupons"), "CANCELLED")
        # feedback: items and tickets kept for the statistics, unlinked and
        # scrubbed.
        self.assertEqual(len(self.listed("/v1/feedback", "feedback")),
                         feedback_before)
        for item in items:
            kept = self.call("GET", f"/v1/{item}")
            self.assertEqual(kept.get("customer", ""), "", kept)
            self.assertIn("[removed]", kept["text"], kept)
        for ticket in tickets:
            self.assertEqual(self.call("GET", f"/v1/{ticket}").get(
                "customer", ""), "")
        # Nowhere a trace: not in any downstream table (stored idempotent
        # responses included), and no plaintext at customer-profile.
        self.assert_forgotten(needles_of(me, also_me) | {survivor, duplicate})
        # ... and the bystander is untouched.
        self.assertEqual(self.call("GET", f"/v1/{other}")["email"],
                         bystander["email"])
        self.assertEqual(len(self.listed("/v1/feedback", "feedback",
                                         f'customer = "{other}"')), 1)
        self.assertEqual(int(self.account(other)["pointsBalance"]), 50)
        harness.log(f"merge and erasure checked after "
                    f"{time.monotonic() - started:.1f}s")


class KillDuringMergeAndErasureTest(MergeErasureTestCase):
    """SIGKILL of loyalty and feedback inside their consumers' transactions
    applying a merge, then an erasure; after a restart the outcome is the
    one without the kill.

    To be inside for sure, the test holds a row lock the consumer needs
    late in its transaction (the duplicate's coupon in loyalty, the ticket
    in feedback), waits until the consumer has written rows and waits for
    that lock, and kills it there."""

    ORDERS = 10
    ITEMS = 10

    def kill_while_applying(self, action, locks):
        """Holds `locks` ({service: [SELECT ... FOR UPDATE]}), runs
        `action` (a call that makes customer-profile emit an event) in a
        thread, SIGKILLs each service once its consumer waits for a lock,
        releases the locks, checks that the killed transactions left the
        cursors before the event, restarts the services and waits for the
        feed."""
        watcher = TransactionWatcher(self.suite)
        failure = []

        def run():
            try:
                action()
            except BaseException as e:  # noqa: BLE001 - reported below
                failure.append(e)

        thread = threading.Thread(target=run)
        try:
            watcher.hold([lock for held in locks.values() for lock in held])
            thread.start()
            pending, written = set(locks), {}
            deadline = time.monotonic() + FEED_TIMEOUT
            while pending and time.monotonic() < deadline:
                # InnoDB refreshes innodb_trx only when it was not read for
                # 0.1 s: poll slower than that (the consumer waits anyway).
                time.sleep(0.15)
                for service in sorted(pending):
                    waiting, rows = watcher.waiting(DOWNSTREAM[service])
                    if not waiting:
                        continue
                    self.suite.processes[service].send_signal(signal.SIGKILL)
                    self.suite.processes[service].wait()
                    pending.discard(service)
                    written[service] = rows
            state = "" if not pending else watcher.describe()
            watcher.release()
            thread.join()
            if failure:
                raise failure[0]
            self.assertFalse(pending, f"{pending} never waited for the lock "
                             f"(transactions: {state}; cursors: " + ", ".join(
                                 f"{d}={watcher.cursor(d)}/"
                                 f"{watcher.feed_position(d)}"
                                 for d in DOWNSTREAM.values()) + ")")
            harness.log(f"killed inside the transaction, rows written: "
                        f"{written}")
            for service in locks:
                database = DOWNSTREAM[service]
                self.assertLess(watcher.cursor(database),
                                watcher.feed_position(database), service)
        finally:
            thread.join()
            watcher.close()
        for service in locks:
            self.suite.restart(service)
        self.suite.wait_for_feeds()

    def test_kill_during_merge_and_erasure(self):
        self.configure_program()
        reward = self.call("POST", "/v1/rewards", {
            "displayName": "券", "pointCost": "50", "stock": "10",
            "couponValidityDays": 30})["name"]
        me, also_me = person("k"), person("l")
        survivor = self.new_customer(me, "kill")
        duplicate = self.new_customer(also_me, "kill")
        sid, did = survivor.split("/")[1], duplicate.split("/")[1]
        self.order(survivor, 10000)
        for _ in range(self.ORDERS):
            self.order(duplicate, 1000)
        items = [self.feedback(duplicate, f"第{i}次投诉，邮箱 "
                               f"{also_me['email']}") for i in range(self.ITEMS)]
        ticket = self.ticket(duplicate, f"退款 {also_me['phone']}",
                             f"请回电 {also_me['phone']}")
        self.wait_balance(duplicate, 10 * self.ORDERS)
        self.wait_balance(survivor, 100)
        coupon = self.call("POST", f"/v1/accounts/{did}:redeemReward",
                           {"reward": reward, "requestId": uuid.uuid4().hex}
                           )["coupon"]["name"]
        self.suite.wait_for_feeds()
        survivor_entries = len(self.listed(f"/v1/accounts/{sid}/ledgerEntries",
                                           "ledgerEntries"))
        total = 100 + 10 * self.ORDERS - 50
        ticket_id = ticket.split("/")[1]
        locks = {
            "loyalty": ["SELECT COUNT(*) FROM crm_loyalty.coupons WHERE "
                        f"id = '{coupon.split('/')[1]}' FOR UPDATE"],
            "feedback": ["SELECT COUNT(*) FROM crm_feedback.tickets WHERE "
                         f"id = '{ticket_id}' FOR UPDATE"],
        }

        # ---- merge, killed, restarted -----------------------------------
        self.kill_while_applying(lambda: self.merge(survivor, duplicate), locks)
        self.assertEqual(int(self.account(survivor)["pointsBalance"]), total)
        self.assertEqual(self.account(duplicate)["mergedInto"],
                         f"accounts/{sid}")
        for account_id in (sid, did):
            verified = self.verify(account_id)
            self.assertTrue(verified["consistent"], verified)
        # Each of the duplicate's lots with points left (the coupon spent
        # the 5 oldest) moved exactly once.
        entries = self.listed(f"/v1/accounts/{sid}/ledgerEntries",
                              "ledgerEntries")
        moved = [e for e in entries if e["type"] == "MERGE_IN"]
        self.assertEqual(len(moved), self.ORDERS - 5, entries)
        self.assertEqual(len(entries), survivor_entries + len(moved))
        self.assertEqual(len({e["source"] for e in moved}), len(moved))
        self.assertEqual(self.call("GET", f"/v1/{coupon}")["customer"],
                         survivor)
        self.assertEqual(
            sorted(i["name"] for i in self.listed(
                "/v1/feedback", "feedback", f'customer = "{survivor}"')),
            sorted(items))
        self.assertEqual(self.call("GET", f"/v1/{ticket}")["customer"],
                         survivor)

        # ---- erasure, killed, restarted ---------------------------------
        ledger_before = self.suite.sql(
            "crm_loyalty", "SELECT COUNT(*), SUM(points_delta) FROM "
            "ledger_entries")[0]
        self.kill_while_applying(lambda: self.erase(survivor), locks)
        count_after, sum_after = self.suite.sql(
            "crm_loyalty", "SELECT COUNT(*), SUM(points_delta) FROM "
            "ledger_entries")[0]
        # One FORFEIT of everything left, once.
        self.assertEqual(int(count_after), int(ledger_before[0]) + 1)
        self.assertEqual(int(sum_after), int(ledger_before[1]) - total)
        for tombstone in [row[0] for row in self.suite.sql(
                "crm_loyalty", "SELECT customer_id FROM accounts")]:
            self.assertTrue(tombstone.startswith("erased-"), tombstone)
            self.assertTrue(self.verify(tombstone)["consistent"])
        self.assertEqual(
            self.suite.scalar("crm_loyalty", "SELECT state FROM coupons"),
            "CANCELLED")
        self.assertEqual(len(self.listed("/v1/feedback", "feedback")),
                         self.ITEMS)
        for item in items:
            self.assertEqual(self.call("GET", f"/v1/{item}").get(
                "customer", ""), "")
        self.assertEqual(self.call("GET", f"/v1/{ticket}").get("customer", ""),
                         "")
        self.assert_forgotten(needles_of(me, also_me) | {survivor, duplicate})


def _terminate_on_sigterm(signum, _frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate_on_sigterm)
    unittest.main(verbosity=2)
