#!/usr/bin/python3
"""End-to-end: loyalty journeys across the suite, through the gateway.

Loyalty follows feedback's change feed (LOYALTY_FEEDBACK_ADDR), sends
surveys through feedback's CreateSurveyInvitation and asks customer-profile
for the day's birthdays; its journey job runs every second here. Over
HTTP/JSON with an admin key:

- COMPLAINT_RESOLVED (tickets of one category, AWARD_POINTS): a member's
  ticket resolved gives the bonus once, a ticket of another category none;
  reopened and resolved again it gives a second bonus (each resolution is
  its own trigger event); the funnel counts the runs as completed.
- ORDER_RECORDED with SEND_SURVEY (CSAT over EMAIL, no delay): a member
  with e-mail consent who orders gets an invitation for that order in
  feedback and a COMPLETED run naming it; a member without consent is
  skipped NO_CONSENT and invited to nothing. Answering through the
  invitation triggers a SURVEY_ANSWERED journey filtered to that survey
  once (an answer to another survey does not); a second answer to the
  invitation is refused.
- BIRTHDAY (AWARD_POINTS): a member born on today's UTC month and day gets
  the bonus once although the job runs every second (a second BIRTHDAY
  journey created later shows the job ran on); a member born another day
  and a customer born today without a loyalty account get nothing.
- Exactly once under kills: loyalty is killed with SIGKILL right after
  batches of orders arrive (its consumers mid-apply) and restarted; an
  ORDER_RECORDED journey ends with exactly one COMPLETED run and one bonus
  per order.

    ctest -R e2e_journeys --output-on-failure
"""

import datetime
import json
import os
import signal
import sys
import time
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# pylint: disable-next=wrong-import-position
from harness import FeedSuite, wait_for  # noqa: E402

# A loaded 2-core box running sanitizer builds: feeds and the job are slow.
FEED_TIMEOUT = 60
# Loyalty's cursors on feedback's and customer-profile's feeds
# (services/loyalty/feedback_feed_apply.h, profile_feed_apply.h).
FEEDBACK_CONSUMER = "loyalty.feedback-journeys"
ORDERS_CONSUMER = "loyalty.orders"
ORDER_RECORDED = 5  # customerprofile.v1.ChangeEvent.Type


class JourneySuite(FeedSuite):
    """FeedSuite whose loyalty also follows feedback's feed and segmentation,
    runs the journey job every second and caps no member's actions."""

    def service_env(self, name):
        env = super().service_env(name)
        env.update({
            "LOYALTY_FEEDBACK_ADDR":
                f"127.0.0.1:{self.grpc_ports['feedback']}",
            "LOYALTY_SEGMENTATION_ADDR":
                f"127.0.0.1:{self.grpc_ports['segmentation']}",
            "LOYALTY_JOURNEY_INTERVAL": "1s",
            # No frequency cap: every trigger here must act.
            "LOYALTY_JOURNEY_CAP_ACTIONS": "0",
        })
        return env


def q(value):
    return urllib.parse.quote(value, safe="")


def count(message, field):
    """An int64 count of a JSON message (a string; absent or 0 alike)."""
    return int(message.get(field) or 0)


class JourneysTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = JourneySuite.start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()

    # --- the gateway -----------------------------------------------------

    def call(self, method, path, body=None, expect=200):
        status, _, reply = self.suite.http(method, path, body)
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

    def member(self, points=100, email_consent=False, birth_date=None):
        """A customer with a loyalty account (a first ADJUST of `points`);
        returns (customers/{id}, id)."""
        customer = {"givenName": "Mei",
                    "email": f"mei-{uuid.uuid4().hex}@example.com"}
        if email_consent:
            customer["consents"] = [
                {"purpose": "EMAIL_MARKETING", "status": "GRANTED",
                 "source": "web_signup"}]
        if birth_date:
            customer["birthDate"] = birth_date
        name = self.post("/v1/customers", customer)["name"]
        cid = name.split("/", 1)[1]
        if points:
            self.post(f"/v1/accounts/{cid}:adjustPoints",
                      {"pointsDelta": str(points), "reason": "welcome"},
                      id_in_body=True)
        return name, cid

    def journey(self, display_name, trigger, action, **fields):
        journey = dict({"displayName": display_name, "trigger": trigger,
                        "action": action}, **fields)
        created = self.post("/v1/journeys", journey)
        self.assertEqual(created["state"], "ACTIVE", created)
        return created["name"]

    def balance(self, cid):
        return int(self.call("GET", f"/v1/accounts/{cid}")["pointsBalance"])

    def bonuses(self, cid, journey):
        """The BONUS entries journey `journey` gave account `cid`."""
        page = self.call(
            "GET", f"/v1/accounts/{cid}/ledgerEntries?pageSize=1000"
            f"&filter={q('type = BONUS')}")
        return [e for e in page.get("ledgerEntries", [])
                if e["reason"] == f"journey {journey}"]

    def runs(self, journey, customer=None):
        path = f"/v1/{journey}/runs?pageSize=1000"
        if customer:
            path += f"&customer={q(customer)}"
        return self.call("GET", path).get("runs", [])

    def funnel(self, journey):
        funnel = self.call("GET", f"/v1/{journey}/funnel")
        self.assertEqual(funnel["name"], f"{journey}/funnel", funnel)
        return funnel

    def assert_funnel(self, journey, triggered, completed, skipped=0,
                      members=1, skipped_by_reason=()):
        funnel = self.funnel(journey)
        self.assertEqual(count(funnel, "triggeredCount"), triggered, funnel)
        self.assertEqual(count(funnel, "scheduledCount"), 0, funnel)
        self.assertEqual(count(funnel, "completedCount"), completed, funnel)
        self.assertEqual(count(funnel, "skippedCount"), skipped, funnel)
        self.assertEqual(count(funnel, "memberCount"), members, funnel)
        self.assertEqual(
            [(s["reason"], count(s, "runCount"))
             for s in funnel.get("skippedByReason", [])],
            list(skipped_by_reason), funnel)

    def scalar(self, database, statement):
        """An integer `statement` answers, run as `database`'s own user."""
        result = self.suite.db.query(database, self.suite.passwords[database],
                                     statement, database)
        self.assertEqual(result.returncode, 0, result.stderr)
        return int(result.stdout.strip() or 0)

    def wait_until_loyalty_applied(self, database, consumer, types=()):
        """Waits until loyalty's feed consumer `consumer` has applied every
        numbered event (of `types`, all when empty) of `database`'s change
        feed as it stands now: a fence after which nothing already written
        can still reach loyalty."""
        where = f" WHERE type IN ({', '.join(map(str, types))})" if types else ""
        target = self.scalar(
            database,
            f"SELECT COALESCE(MAX(sequence), 0) FROM change_feed_events{where}")
        wait_for(lambda: self.scalar(
            "crm_loyalty", "SELECT COALESCE(MAX(last_sequence), 0) FROM "
            f"feed_consumer_cursors WHERE consumer = '{consumer}'") >= target,
            FEED_TIMEOUT, f"loyalty's {consumer} to apply up to {target}")

    def assert_ledger_consistent(self, cid):
        proof = self.call("GET", f"/v1/accounts/{cid}:verifyLedger")
        self.assertTrue(proof["consistent"], proof)

    def transition(self, ticket, *actions):
        reply = None
        for action in actions:
            reply = self.post(f"/v1/{ticket}:transition", {"action": action},
                              id_in_body=True)
        return reply

    def ticket(self, customer, category):
        return self.post("/v1/tickets", {
            "customer": customer, "title": "Charged twice",
            "description": "The invoice shows the order twice",
            "category": category})["name"]

    def csat_survey(self, title):
        return self.post("/v1/surveys", {
            "title": title, "questions": [
                {"id": "csat", "kind": "CSAT", "text": "How was it?",
                 "required": True}]})["name"]

    def invitations(self, survey, customer):
        page = self.call(
            "GET", f"/v1/{survey}/invitations?pageSize=1000"
            f"&filter={q(f'customer = {json.dumps(customer)}')}")
        return page.get("invitations", [])

    # --- the tests -------------------------------------------------------

    def test_a_resolved_complaint_awards_points_per_resolution(self):
        name, cid = self.member(points=100)
        journey = self.journey(
            "Sorry about the bill",
            {"kind": "COMPLAINT_RESOLVED", "ticketCategory": "billing"},
            {"kind": "AWARD_POINTS", "points": "40"}, purpose="SERVICE")

        # A ticket of another category first: feedback's feed is applied in
        # order, so once the billing ticket's bonus is there, this one's
        # event has been seen too.
        other = self.ticket(name, "delivery")
        self.transition(other, "ACKNOWLEDGE", "START", "RESOLVE")
        ticket = self.ticket(name, "billing")
        resolved = self.transition(ticket, "ACKNOWLEDGE", "START", "RESOLVE")
        self.assertEqual(resolved["state"], "RESOLVED", resolved)

        wait_for(lambda: self.bonuses(cid, journey), FEED_TIMEOUT,
                 "the complaint journey's bonus")
        [bonus] = self.bonuses(cid, journey)
        self.assertEqual(bonus["pointsDelta"], "40", bonus)
        self.assertEqual(self.balance(cid), 140)
        [run] = self.runs(journey)
        self.assertEqual(run["customer"], name, run)
        self.assertEqual(run["state"], "COMPLETED", run)
        self.assertTrue(run["triggerEvent"].startswith("feedback:"), run)
        self.assertEqual(run["ledgerEntry"], bonus["name"], run)
        self.assert_funnel(journey, triggered=1, completed=1)

        # Reopened and resolved again: a new trigger event, a second bonus.
        self.transition(ticket, "REOPEN")
        again = self.transition(ticket, "RESOLVE")
        self.assertEqual(again["state"], "RESOLVED", again)
        wait_for(lambda: len(self.bonuses(cid, journey)) >= 2, FEED_TIMEOUT,
                 "the second resolution's bonus")
        runs = self.runs(journey)
        self.assertEqual(len(runs), 2, runs)
        self.assertEqual({r["state"] for r in runs}, {"COMPLETED"}, runs)
        self.assertEqual(len({r["triggerEvent"] for r in runs}), 2, runs)
        self.assertEqual(self.balance(cid), 180)
        self.assert_funnel(journey, triggered=2, completed=2)

        # Closing writes no event: once loyalty has applied feedback's whole
        # feed, still two bonuses.
        self.transition(ticket, "CLOSE")
        self.wait_until_loyalty_applied("crm_feedback", FEEDBACK_CONSUMER)
        self.assertEqual(len(self.bonuses(cid, journey)), 2)
        self.assertEqual(self.balance(cid), 180)
        self.assert_funnel(journey, triggered=2, completed=2)
        self.assert_ledger_consistent(cid)

    def test_an_order_sends_a_survey_whose_answer_awards_points(self):
        run_id = uuid.uuid4().hex[:8]
        survey = self.csat_survey(f"Delivery {run_id}")
        other_survey = self.csat_survey(f"Other {run_id}")
        probe_survey = self.csat_survey(f"Probe {run_id}")
        send = self.journey(
            "Ask after each order",
            {"kind": "ORDER_RECORDED"},
            {"kind": "SEND_SURVEY", "survey": survey},
            marketingChannel="EMAIL")
        thanks = self.journey(
            "Thanks for answering",
            {"kind": "SURVEY_ANSWERED", "survey": survey},
            {"kind": "AWARD_POINTS", "points": "25"}, purpose="SERVICE")

        name, cid = self.member(points=10, email_consent=True)
        silent, silent_cid = self.member(points=10)

        # feedback learns consents from customer-profile's feed on its own
        # consumer; wait until it knows this one (an invitation to a probe
        # survey is accepted), so the journey's invitation is not refused.
        def consent_known():
            status, _, reply = self.suite.http(
                "POST", f"/v1/{probe_survey}/invitations"
                f"?request_id={uuid.uuid4().hex}",
                {"customer": name, "channel": "EMAIL",
                 "subject": f"{name}/orders/probe-{uuid.uuid4().hex}"})
            if status == 200:
                return True
            self.assertIn("CONSENT_REQUIRED", json.dumps(reply), reply)
            return False

        wait_for(consent_known, FEED_TIMEOUT,
                 "feedback to learn the member's e-mail consent")

        orders = {}
        for customer in (name, silent):
            orders[customer] = self.call("POST", f"/v1/{customer}/orders", {
                "channel": "web", "channelOrderId": f"o-{uuid.uuid4().hex}",
                "amount": {"currencyCode": "CNY", "amountMinor": "8800"},
                "orderTime": "2026-11-20T02:00:00Z"})["name"]
        order = orders[name]
        self.assertTrue(order.startswith(f"{name}/orders/"), order)

        wait_for(lambda: self.invitations(survey, name), FEED_TIMEOUT,
                 "the journey's survey invitation in feedback")
        [invitation] = self.invitations(survey, name)
        self.assertEqual(invitation["subject"], order, invitation)
        self.assertEqual(invitation["channel"], "EMAIL", invitation)
        self.assertEqual(invitation["state"], "SENT", invitation)
        self.assertTrue(
            invitation["name"].startswith(f"{survey}/invitations/"))

        def settled(customer):
            runs = self.runs(send, customer)
            return runs if runs and runs[0]["state"] != "SCHEDULED" else None

        [run] = wait_for(lambda: settled(name), FEED_TIMEOUT,
                         "the survey run to complete")
        self.assertEqual(run["state"], "COMPLETED", run)
        self.assertEqual(run["triggerEvent"], f"order:{order}", run)
        payload = json.loads(run["messagePayload"])
        self.assertEqual(payload, {"survey_invitation": invitation["name"],
                                   "survey": survey, "subject": order,
                                   "channel": "EMAIL"}, run)

        # Without e-mail consent: skipped by loyalty, feedback not asked.
        [skipped] = wait_for(lambda: settled(silent), FEED_TIMEOUT,
                             "the run of the member without consent")
        self.assertEqual(skipped["state"], "SKIPPED", skipped)
        self.assertEqual(skipped["skipReason"], "NO_CONSENT", skipped)
        self.assertEqual(self.invitations(survey, silent), [])
        self.assert_funnel(send, triggered=2, completed=1, skipped=1,
                           members=2, skipped_by_reason=[("NO_CONSENT", 1)])

        # An answer to another survey first (feed order, as above), then the
        # answer through the invitation.
        self.post(f"/v1/{other_survey}/responses", {
            "customer": name, "channel": "email",
            "answers": [{"questionId": "csat", "score": 2}]})
        response = self.post(f"/v1/{survey}/responses", {
            "invitation": invitation["name"], "channel": "email",
            "answers": [{"questionId": "csat", "score": 5}]})
        self.assertEqual(response["customer"], name, response)
        self.assertEqual(response["subject"], order, response)

        wait_for(lambda: self.bonuses(cid, thanks), FEED_TIMEOUT,
                 "the survey answer's bonus")
        [bonus] = self.bonuses(cid, thanks)
        self.assertEqual(bonus["pointsDelta"], "25", bonus)
        [answered_run] = self.runs(thanks)
        self.assertEqual(answered_run["customer"], name, answered_run)
        self.assertEqual(answered_run["state"], "COMPLETED", answered_run)
        self.assertEqual(self.balance(cid), 35)
        [answered] = self.invitations(survey, name)
        self.assertEqual(answered["state"], "ANSWERED", answered)
        self.assertEqual(answered["response"], response["name"], answered)

        # The invitation is answered once: a second answer is refused and
        # triggers nothing.
        status, _, error = self.suite.http(
            "POST", f"/v1/{survey}/responses?request_id={uuid.uuid4().hex}",
            {"invitation": invitation["name"], "channel": "email",
             "answers": [{"questionId": "csat", "score": 4}]})
        self.assertIn(status, (400, 409), error)
        self.assertIn("RESOURCE_STATE_CONFLICT", json.dumps(error), error)
        self.wait_until_loyalty_applied("crm_feedback", FEEDBACK_CONSUMER)
        self.assertEqual(len(self.bonuses(cid, thanks)), 1)
        self.assertEqual(len(self.runs(send, name)), 1)
        self.assert_funnel(thanks, triggered=1, completed=1)
        self.assertEqual(self.balance(silent_cid), 10)
        self.assert_ledger_consistent(cid)

    def test_a_birthday_awards_points_once(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        midnight = datetime.datetime.combine(
            now.date() + datetime.timedelta(days=1), datetime.time(),
            tzinfo=datetime.timezone.utc)
        if (midnight - now).total_seconds() < 90:
            # The journey job counts the UTC day; do not straddle two.
            time.sleep((midnight - now).total_seconds() + 1)
        today = datetime.datetime.now(datetime.timezone.utc).date()
        # 2000 is a leap year: 29 February (born on a 29 February when today
        # is one) is a date in it.
        born_today = f"2000-{today:%m-%d}"
        other_day = today - datetime.timedelta(days=3)
        born_other_day = f"2000-{other_day:%m-%d}"

        # Members before the journey: its first pass of the day finds them.
        name, cid = self.member(points=10, birth_date=born_today)
        other, other_cid = self.member(points=10, birth_date=born_other_day)
        guest, guest_cid = self.member(points=0, birth_date=born_today)
        journey = self.journey(
            "Happy birthday", {"kind": "BIRTHDAY"},
            {"kind": "AWARD_POINTS", "points": "77"}, purpose="SERVICE")

        wait_for(lambda: self.bonuses(cid, journey), FEED_TIMEOUT,
                 "the birthday bonus")
        [run] = self.runs(journey)
        self.assertEqual(run["customer"], name, run)
        self.assertEqual(run["state"], "COMPLETED", run)
        self.assertEqual(run["triggerEvent"], f"birthday:{today:%Y}", run)
        self.assertEqual(run["triggerTime"], f"{today:%Y-%m-%d}T00:00:00Z",
                         run)

        # The job runs every second; a second BIRTHDAY journey, created
        # now, gets today's birthdays on a later pass, which passes over the
        # first again.
        later = self.journey(
            "Birthday, again", {"kind": "BIRTHDAY"},
            {"kind": "AWARD_POINTS", "points": "5"}, purpose="SERVICE")
        wait_for(lambda: self.bonuses(cid, later), FEED_TIMEOUT,
                 "the second birthday journey's bonus")

        [bonus] = self.bonuses(cid, journey)
        self.assertEqual(bonus["pointsDelta"], "77", bonus)
        self.assertEqual(len(self.bonuses(cid, later)), 1)
        self.assertEqual(self.balance(cid), 10 + 77 + 5)
        self.assertEqual([r["customer"] for r in self.runs(journey)], [name])
        self.assertEqual([r["customer"] for r in self.runs(later)], [name])
        self.assert_funnel(journey, triggered=1, completed=1)
        self.assert_funnel(later, triggered=1, completed=1)

        # Born another day: nothing. Born today without an account: no
        # member, nothing.
        self.assertEqual(self.balance(other_cid), 10)
        self.assertEqual(self.bonuses(other_cid, journey), [])
        self.assertEqual(self.runs(journey, other), [])
        self.assertEqual(self.balance(guest_cid), 0)
        self.assertEqual(self.runs(journey, guest), [])
        self.assert_ledger_consistent(cid)


    def test_an_order_journey_acts_once_per_order_across_kills(self):
        journey = self.journey(
            "Thanks, every order", {"kind": "ORDER_RECORDED"},
            {"kind": "AWARD_POINTS", "points": "3"}, purpose="SERVICE")
        # Paused afterwards: the other tests' orders must not trigger it.
        self.addCleanup(self.post, f"/v1/{journey}:pause", {},
                        id_in_body=True)
        name, cid = self.member(points=10)
        orders = []
        for batch in range(3):
            for _ in range(8):
                orders.append(self.call("POST", f"/v1/{name}/orders", {
                    "channel": "web",
                    "channelOrderId": f"k-{uuid.uuid4().hex}",
                    "amount": {"currencyCode": "CNY", "amountMinor": "1200"},
                    "orderTime": "2026-11-21T02:00:00Z"})["name"])
            if batch == 2:
                break
            # The orders just arrived: loyalty's consumers are applying them.
            process = self.suite.processes["loyalty"]
            process.send_signal(signal.SIGKILL)
            process.wait()
            self.suite.processes["loyalty"] = self.suite.spawn(
                "loyalty", self.suite.service_env("loyalty"))
            wait_for(lambda: self.suite.health("loyalty") == "SERVING", 60,
                     "loyalty to serve again")

        wait_for(lambda: len(self.runs(journey, name)) >= len(orders),
                 FEED_TIMEOUT, "a run per order")
        # Nothing more may come once the order events are all applied.
        self.wait_until_loyalty_applied("crm_customer_profile", ORDERS_CONSUMER,
                                        types=(ORDER_RECORDED,))
        runs = self.runs(journey, name)
        self.assertEqual(sorted(r["triggerEvent"] for r in runs),
                         sorted(f"order:{o}" for o in orders), runs)
        self.assertEqual({r["state"] for r in runs}, {"COMPLETED"}, runs)
        bonuses = self.bonuses(cid, journey)
        self.assertEqual(len(bonuses), len(orders), bonuses)
        self.assertEqual({b["pointsDelta"] for b in bonuses}, {"3"}, bonuses)
        self.assert_funnel(journey, triggered=len(orders),
                           completed=len(orders))
        self.assert_ledger_consistent(cid)


if __name__ == "__main__":
    unittest.main()
