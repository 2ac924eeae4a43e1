#!/usr/bin/env python3
"""The loyalty and feedback part of the demo set, loaded through the
gateway's HTTP/JSON API with an admin API key (crm-demo-data loads the
customers, orders and events into customer-profile; loyalty, segmentation and
feedback follow its change feed).

    load_demo_extras.py program  --gateway=URL --api_key_file=FILE
        the loyalty programme (earn rate, tiers, points expiring 12 months
        after they were earned) when it has no earn rate yet, four rewards and a points campaign running from a day
        ago for 60 days, and three journeys (a win-back coupon when a member
        becomes AT_RISK, a thank-you bonus on an order of ¥300 or more, the
        demo CSAT survey seven days after an order — feedback's demo survey
        is created here for it, and the journey is left out when loyalty has
        no feedback address): run it before the orders are loaded, so that they earn
        points, campaign bonuses and journey actions as they arrive through
        the feed
    load_demo_extras.py activity --gateway=URL --api_key_file=FILE
        feedback in Chinese and English from demo customers (six delivery
        complaints, enough for a complaint-spike alert on a fresh database),
        a survey with NPS and CSAT answers, tickets: one per complaint
        about something other than delivery, and one opened directly, and
        one coupon: the cheapest reward redeemed for points by the first
        demo customer with an email and enough points (none when no coupon
        of that reward exists yet and nobody has enough), and the "birthday
        bonus" journey (BIRTHDAY -> 500 points): when no member (a demo
        customer with a loyalty account) has their birthday today (UTC),
        the first member in email order gets today's month and day as
        birth date first, so the journey job's next pass (within
        LOYALTY_JOURNEY_INTERVAL, 1 min) awards them 500 points: see
        GET /v1/journeys/{id}/runs or the member's account. Created here,
        after the members exist, because a BIRTHDAY journey asks
        customer-profile once a day

Deterministic: the same texts, ratings and channels each run; customers are
picked by their rank in email order (the demo set's emails do not depend on
the server's ids). Idempotent: every write carries a fixed request_id
(`demo-...`), so a second run creates nothing new. Prints a one-line
summary; exits 1 when a write fails. Python's standard library only.

Importable: tests/browser/dashboard_test.py loads its suite with
load_program() and load_activity().
"""

import argparse
import datetime
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

PROGRAM = {
    "earnRates": [{"currencyCode": "CNY", "points": "1", "perAmountMinor": "100"}],
    "tiers": [
        {"tierId": "silver", "displayName": "Silver", "minQualifyingPoints": "0",
         "multiplierPercent": 100},
        {"tierId": "gold", "displayName": "Gold", "minQualifyingPoints": "2000",
         "multiplierPercent": 125},
        {"tierId": "platinum", "displayName": "Platinum", "minQualifyingPoints": "8000",
         "multiplierPercent": 150},
    ],
    "expiryPolicy": {"mode": "MONTHS_AFTER_EARN", "months": 12},
}

# (display name, point cost, stock)
REWARDS = [
    ("Coffee voucher", 300, 120),
    ("Tote bag", 1500, 40),
    ("¥50 优惠券", 2500, 200),
    ("Airport lounge pass", 9000, 5),
]

# (type, rating, text); the six delivery complaints come first.
FEEDBACK = [
    ("COMPLAINT", 1, "快递太慢了，包装也破了，非常失望"),
    ("COMPLAINT", 2, "The delivery was late and the box was damaged."),
    ("COMPLAINT", 1, "物流太慢，等了两个星期才到"),
    ("COMPLAINT", 2, "The parcel never arrived and the courier was rude."),
    ("COMPLAINT", 1, "快递员把包裹放在门口就走了，东西丢了"),
    ("COMPLAINT", 2, "Shipping took three weeks, terrible delivery."),
    ("COMPLAINT", 1, "客服态度很差，退款一直没有处理"),
    ("COMPLAINT", 2, "I was charged twice and the refund never arrived."),
    ("COMPLAINT", 2, "质量太差了，用了一天就坏了"),
    ("PRAISE", 5, "The staff were friendly and the product is excellent."),
    ("PRAISE", 5, "质量很好，非常满意，会再来买"),
    ("PRAISE", 4, "Great value for the price, fast checkout."),
    ("PRAISE", 5, "客服很耐心，问题很快就解决了"),
    ("SUGGESTION", 4, "Please add more payment options."),
    ("SUGGESTION", 3, "希望app能增加订单跟踪功能"),
    ("QUESTION", 3, "这个会员积分什么时候过期？"),
    ("QUESTION", 3, "Can I use two coupons on one order?"),
    ("PRAISE", 5, "Love the new store layout."),
]
CHANNELS = ("web", "app", "store", "wechat")
NPS_SCORES = [10, 9, 9, 8, 7, 10, 3, 6, 9, 10, 5, 9, 10, 8, 2, 9]


class Gateway:
    """The gateway's JSON API with one API key."""

    def __init__(self, base_url, api_key, timeout=60):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method,
            headers={"X-API-Key": self.api_key, "Accept": "application/json",
                     **({"Content-Type": "application/json"} if data else {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")[:300]
            raise RuntimeError(f"{method} {path}: HTTP {error.code}: {text}") from None

    def list_all(self, path, field, limit=100000):
        items, token = [], ""
        separator = "&" if "?" in path else "?"
        while len(items) < limit:
            page = self.call("GET", f"{path}{separator}pageSize=1000&pageToken={token}")
            items += page.get(field, [])
            token = page.get("nextPageToken", "")
            if not token:
                break
        return items


def _timestamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# feedback's demo survey, with NPS and CSAT questions.
SURVEY = {
    "title": "购物体验 / Shopping experience",
    "questions": [
        {"id": "nps", "text": "How likely are you to recommend us?", "kind": "NPS",
         "required": True},
        {"id": "csat", "text": "How satisfied are you?", "kind": "CSAT"},
    ]}


def demo_survey(gateway):
    """feedback's demo survey (the same one on every call: a fixed
    request_id)."""
    return gateway.call("POST", "/v1/surveys?requestId=demo-survey-1", SURVEY)


def load_program(gateway):
    """The programme (only when it has no earn rate), rewards and campaign.
    Returns a summary dict."""
    program = gateway.call("GET", "/v1/programs/default")
    configured = bool(program.get("earnRates"))
    if not configured:
        gateway.call("PATCH", "/v1/programs/default?updateMask=earnRates,tiers,expiryPolicy"
                     "&requestId=demo-program-1",
                     {"name": "programs/default", "etag": program.get("etag", ""),
                      **PROGRAM})
    rewards = []
    for i, (name, cost, stock) in enumerate(REWARDS):
        rewards.append(gateway.call("POST", f"/v1/rewards?requestId=demo-reward-{i}", {
            "displayName": name, "pointCost": str(cost), "stock": str(stock),
            "couponValidityDays": 30}))
    # Journeys (services/loyalty/README.md "Journeys"), created before the
    # orders arrive so that those orders trigger them. The birthday journey
    # comes with the activity (load_birthday_bonus).
    journeys = [
        {"displayName": "Win back: a coffee voucher when a member becomes at risk",
         "trigger": {"kind": "LIFECYCLE_STAGE_CHANGED", "lifecycleStage": "AT_RISK"},
         "action": {"kind": "ISSUE_COUPON", "reward": rewards[0]["name"]},
         "purpose": "MARKETING"},
        {"displayName": "Thank you: 20 bonus points on an order of ¥300 or more",
         "trigger": {"kind": "ORDER_RECORDED"},
         "condition": "order_total_minor >= 30000 AND order_currency = \"CNY\"",
         "action": {"kind": "AWARD_POINTS", "points": "20"},
         "purpose": "MARKETING"},
    ]
    for i, journey in enumerate(journeys):
        gateway.call("POST", f"/v1/journeys?requestId=demo-journey-{i}", journey)
    # The CSAT survey a week after each order, by e-mail to members who
    # granted e-mail marketing (feedback's invitation needs it too).
    survey_journey = {
        "displayName": "CSAT survey seven days after an order",
        "trigger": {"kind": "ORDER_RECORDED"},
        "delay": "604800s",
        "action": {"kind": "SEND_SURVEY", "survey": demo_survey(gateway)["name"]},
        "purpose": "MARKETING",
        "marketingChannel": "EMAIL"}
    try:
        gateway.call("POST", f"/v1/journeys?requestId=demo-journey-{len(journeys)}",
                     survey_journey)
        journeys.append(survey_journey)
    except RuntimeError as error:
        # Loyalty without --feedback_addr refuses SEND_SURVEY journeys.
        if "SEND_SURVEY needs feedback" not in str(error):
            raise
    # Started a day ago (at midnight UTC), running 60 days: the demo orders
    # arriving now earn them.
    today = datetime.datetime.now(datetime.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0)
    campaigns = [
        ("双十一积分加倍 / Double points", 200, 0, 600000, []),
        ("Gold bonus", 0, 50, 20000, ["gold", "platinum"]),
    ]
    # Their times depend on the day: a campaign of the same name is kept
    # rather than sent again (its request_id would then not match).
    existing = {c.get("displayName") for c in gateway.list_all("/v1/campaigns", "campaigns")}
    for i, (name, multiplier, bonus, budget, tiers) in enumerate(campaigns):
        if name in existing:
            continue
        gateway.call("POST", f"/v1/campaigns?requestId=demo-campaign-{i}", {
            "displayName": name,
            "startTime": _timestamp(today - datetime.timedelta(days=1)),
            "endTime": _timestamp(today + datetime.timedelta(days=60)),
            "tierIds": tiers, "multiplierPercent": multiplier,
            "bonusPointsPerOrder": str(bonus), "pointsBudget": str(budget)})
    return {"program": "kept" if configured else "configured",
            "rewards": len(REWARDS), "campaigns": len(campaigns),
            "journeys": len(journeys)}


def demo_customers(gateway, count=200):
    """Up to `count` customers in email order (deterministic for the demo
    set)."""
    customers = gateway.list_all("/v1/customers", "customers", limit=5000)
    customers.sort(key=lambda c: (c.get("email", "") or "~", c["name"]))
    return customers[:count]


def load_activity(gateway, customers=None):
    """Feedback, a survey with responses, and tickets. Returns a summary
    dict with the survey's name."""
    customers = customers if customers is not None else demo_customers(gateway)
    if not customers:
        raise RuntimeError("no customers: load the customers first")

    def customer(i):
        return customers[(7 * i) % len(customers)]["name"]

    items = []
    for i, (kind, rating, text) in enumerate(FEEDBACK):
        items.append(gateway.call("POST", f"/v1/feedback?requestId=demo-feedback-{i}", {
            "customer": customer(i), "channel": CHANNELS[i % len(CHANNELS)],
            "type": kind, "rating": rating, "text": text}))
    survey = demo_survey(gateway)
    for i, score in enumerate(NPS_SCORES):
        gateway.call("POST", f"/v1/{survey['name']}/responses?requestId=demo-response-{i}", {
            "customer": customers[i % len(customers)]["name"],
            "channel": CHANNELS[i % len(CHANNELS)],
            "answers": [{"questionId": "nps", "score": score},
                        {"questionId": "csat", "score": 1 + i % 5}]})
    tickets = 0
    for i, item in enumerate(items):
        if i < 6 or item.get("type") != "COMPLAINT":
            continue
        gateway.call("POST", f"/v1/tickets?requestId=demo-ticket-{i}",
                     {"feedback": item["name"]})
        tickets += 1
    gateway.call("POST", "/v1/tickets?requestId=demo-ticket-direct", {
        "customer": customer(99),
        "title": "会员积分没有到账 / Points missing after purchase",
        "description": "The customer called: points for last week's order are missing.",
        "priority": "P2"})
    tickets += 1
    return {"feedback": len(items), "survey": survey["name"],
            "responses": len(NPS_SCORES), "tickets": tickets,
            "coupon_customer": redeem_demo_coupon(gateway, customers),
            "birthday_member": load_birthday_bonus(gateway, customers)}


BIRTHDAY_JOURNEY = {
    "displayName": "Birthday bonus: 500 points on the member's birthday",
    "trigger": {"kind": "BIRTHDAY"},
    "action": {"kind": "AWARD_POINTS", "points": "500"},
    "purpose": "SERVICE"}


def _has_account(gateway, customer_name):
    try:
        gateway.call("GET", f"/v1/accounts/{customer_name.split('/')[-1]}")
        return True
    except RuntimeError as error:
        if "HTTP 404" not in str(error):
            raise
        return False


def load_birthday_bonus(gateway, customers):
    """The birthday bonus journey, after making sure a member's birthday is
    today (UTC): a demo customer born today with a loyalty account, or else
    the first of `customers` (email order) with an account, whose birth date
    is moved to today's month and day (its year kept; 1992 for 29 February
    when its year is no leap year). Returns that member's name, or None when
    no demo customer has an account yet."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    month_day = today.strftime("%m-%d")
    query = urllib.parse.quote(f'birthday = "{month_day}"')
    born_today = gateway.call("GET", f"/v1/customers?pageSize=100&filter={query}")
    member = next((c["name"] for c in born_today.get("customers", [])
                   if _has_account(gateway, c["name"])), None)
    if member is None:
        for candidate in customers:
            if not _has_account(gateway, candidate["name"]):
                continue
            year = int((candidate.get("birthDate") or "1990")[:4])
            leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            if month_day == "02-29" and not leap:
                year = 1992
            gateway.call(
                "PATCH", f"/v1/{candidate['name']}?updateMask=birthDate"
                f"&requestId=demo-birthday-{today.isoformat()}",
                {"name": candidate["name"], "birthDate": f"{year:04d}-{month_day}"})
            member = candidate["name"]
            break
    gateway.call("POST", "/v1/journeys?requestId=demo-journey-birthday", BIRTHDAY_JOURNEY)
    return member


def redeem_demo_coupon(gateway, customers):
    """The cheapest reward redeemed once, by the first of `customers` (email
    order) with an email and enough points; returns that customer's name, or
    None when nobody has enough points. A coupon of that reward already
    issued (an earlier run) is kept: its customer is returned."""
    rewards = gateway.list_all("/v1/rewards", "rewards")
    if not rewards:
        return None
    reward = min(rewards, key=lambda r: (int(r.get("pointCost", "0")), r["name"]))
    query = urllib.parse.quote(f'reward = "{reward["name"]}"')
    issued = gateway.call("GET", f"/v1/coupons?pageSize=1&filter={query}").get("coupons", [])
    if issued:
        return issued[0].get("customer")
    for candidate in customers:
        if not candidate.get("email"):
            continue
        account_id = candidate["name"].split("/")[-1]
        try:
            account = gateway.call("GET", f"/v1/accounts/{account_id}")
        except RuntimeError as error:
            if "HTTP 404" not in str(error):
                raise
            continue  # No account: no order earned points yet.
        if int(account.get("pointsBalance", "0")) >= int(reward.get("pointCost", "0")):
            gateway.call("POST", f"/v1/accounts/{account_id}:redeemReward", {
                "reward": reward["name"], "requestId": "demo-coupon-1"})
            return candidate["name"]
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=("program", "activity"))
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--api_key_file", required=True)
    args = parser.parse_args()
    with open(args.api_key_file, encoding="utf-8") as f:
        gateway = Gateway(args.gateway, f.read().strip())
    try:
        summary = (load_program if args.step == "program" else load_activity)(gateway)
    except (RuntimeError, OSError) as error:
        print(f"load_demo_extras {args.step}: {error}", file=sys.stderr)
        return 1
    print(f"{args.step}: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
