"""Feed lag: how long an order takes to reach the services that follow
customer-profile's change feed, while customer-profile takes orders at a
steady rate.

Starts the whole suite (tests/e2e/harness.py: its own MariaDB, every service
and the gateway on free ports) with segmentation, loyalty and feedback
following customer-profile's feed (FeedSuite), creates BENCH_LAG_CUSTOMERS
customers (crm-bench create-customers) and waits until every consumer has
applied their events; then crm-bench record-order sends RecordOrder calls
paced at BENCH_LAG_RATE a second for BENCH_LAG_DURATION from
BENCH_LAG_THREADS threads, waits until every consumer's cursor reaches the
feed's head again, and reads each consumer's
crm_feed_consumer_delay_seconds histogram (from an event's commit in
customer-profile to the commit that applied it in the consumer) from the
services' /metrics, before and after: the difference is this run's events.
Percentiles come from the histogram's buckets (linear within a bucket; the
bucket bounds are printed too). It also prints the CPU time (utime + stime
from /proc/PID/stat) each process of the suite, mariadbd and the load
generator spent per order over the load and the drain: on a 2-core machine
the consumers' delays follow how busy the cores are; and per service's
database user, the CPU MariaDB spent on its statements per order
(information_schema.USER_STATISTICS CPU_TIME, with userstat switched on). Goal (issue: segmentation) p99 < 100 ms at
1,000 orders/s. Run it through bench/feed_lag.sh. BENCH_LAG_DUMP=1 also
prints the consumers' histograms as read before and after.
"""
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "e2e"))
# pylint: disable-next=wrong-import-position
from harness import ADMIN_PASSWORD, FeedSuite, wait_for  # noqa: E402

RATE = int(os.environ.get("BENCH_LAG_RATE", "1000"))
DURATION = os.environ.get("BENCH_LAG_DURATION", "20s")
THREADS = int(os.environ.get("BENCH_LAG_THREADS", "16"))
CUSTOMERS = int(os.environ.get("BENCH_LAG_CUSTOMERS", "1000"))
DRAIN_TIMEOUT = int(os.environ.get("BENCH_LAG_DRAIN_TIMEOUT", "300"))
ALL_FOLLOWERS = ("segmentation", "loyalty", "feedback")
# BENCH_LAG_FOLLOWERS (all three): the services that follow customer-profile's
# feed in this run; the others start as usual but are not given the feed's
# address, so they idle.
FOLLOWERS = tuple(
    name for name in ALL_FOLLOWERS
    if name in os.environ.get("BENCH_LAG_FOLLOWERS",
                              ",".join(ALL_FOLLOWERS)).split(","))
# The followers whose consumers receive order events (feedback's asks its
# stream for merges and erasures only, so its cursor stays behind the head).
ORDER_FOLLOWERS = tuple(name for name in ("segmentation", "loyalty")
                        if name in FOLLOWERS)


class LagSuite(FeedSuite):
    """FeedSuite with only FOLLOWERS following customer-profile's feed."""

    def service_env(self, name):
        env = super().service_env(name)
        if name not in FOLLOWERS:
            env.pop(f"{name.upper()}_CUSTOMER_PROFILE_ADDR", None)
        return env
SERIES = re.compile(
    r'^crm_feed_consumer_(delay_seconds_bucket|batch_seconds_bucket|'
    r'receive_delay_seconds_bucket|'
    r'last_sequence|batches_total|applied_total)'
    r'\{consumer="([^"]+)"(?:,le="([^"]+)")?\} (\S+)$')


def scrape(suite):
    """{(service, consumer): {"buckets": [(le, cumulative)],
    "last": n}} from every follower's /metrics."""
    found = {}
    for service in FOLLOWERS:
        url = f"http://127.0.0.1:{suite.admin_ports[service]}/metrics"
        with urllib.request.urlopen(url, timeout=5) as reply:
            text = reply.read().decode("utf-8")
        for line in text.splitlines():
            match = SERIES.match(line)
            if not match:
                continue
            kind, consumer, le, value = match.groups()
            entry = found.setdefault((service, consumer),
                                     {"buckets": [], "batch_buckets": [],
                                      "receive_buckets": [], "last": 0,
                                      "batches": 0, "applied": 0})
            if kind.endswith("_bucket"):
                bound = float("inf") if le == "+Inf" else float(le)
                series = {"delay_seconds_bucket": "buckets",
                          "batch_seconds_bucket": "batch_buckets",
                          "receive_delay_seconds_bucket": "receive_buckets"}
                entry[series[kind]].append((bound, float(value)))
            elif kind == "last_sequence":
                entry["last"] = float(value)
            else:
                entry[kind.split("_")[0]] = float(value)
    return found


def profile_consumers(snapshot):
    """The consumers of customer-profile's feed (segmentation also follows
    loyalty's)."""
    return {key: value for key, value in snapshot.items()
            if "loyalty" not in key[1] or key[0] == "loyalty"}


def caught_up(suite, head, progress):
    """True once every follower's consumer of customer-profile's feed has
    applied up to `head`; `progress` keeps their cursors for a report."""
    snapshot = {key: entry
                for key, entry in profile_consumers(scrape(suite)).items()
                if key[0] in ORDER_FOLLOWERS}
    progress.clear()
    progress.update({key: int(entry["last"])
                     for key, entry in snapshot.items()})
    return (len(snapshot) == len(ORDER_FOLLOWERS) and
            all(entry["last"] >= head for entry in snapshot.values()))


def wait_caught_up(suite, head, what):
    progress = {}
    try:
        wait_for(lambda: caught_up(suite, head, progress), DRAIN_TIMEOUT,
                 what)
    except AssertionError:
        print(f"feed head {head}; consumer cursors {progress}")
        raise


def feed_head(suite):
    """The sequence customer-profile's feed reaches once its committed
    events are numbered (1, 2, 3, ... without gaps: their count)."""
    database = "crm_customer_profile"
    result = suite.db.query(database, suite.passwords[database],
                            "SELECT COUNT(*) FROM change_feed_events",
                            database)
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return int(result.stdout.strip())


def cpu_seconds(pid):
    """utime + stime of process `pid` in seconds (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # Fields 14 and 15 of stat(5); [0] here is field 3 (state).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def suite_pids(suite):
    """{name: pid} of the suite's binaries and its MariaDB server."""
    pids = {name: process.pid for name, process in suite.processes.items()}
    with open(os.path.join(suite.db.directory, "mysqld.pid"),
              encoding="ascii") as f:
        pids["mariadbd"] = int(f.read().strip())
    return pids


def cpu_snapshot(pids):
    """CPU seconds of each process and of this script's finished children
    (the load generator)."""
    snapshot = {name: cpu_seconds(pid) for name, pid in pids.items()}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    snapshot["load generator"] = children.ru_utime + children.ru_stime
    return snapshot


def admin_query(suite, sql):
    result = suite.db.query("crm_admin", ADMIN_PASSWORD, sql)
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return result.stdout


def user_statistics(suite):
    """{database user: MariaDB CPU seconds on its statements}."""
    rows = admin_query(
        suite, "SELECT USER, CPU_TIME FROM information_schema.USER_STATISTICS")
    found = {}
    for line in rows.splitlines():
        user, cpu = line.split("\t")
        found[user] = float(cpu)
    return found


def percentile(deltas, fraction):
    """(estimate, lower bound, upper bound) in ms of the `fraction` quantile
    from cumulative bucket counts."""
    total = deltas[-1][1]
    if total <= 0:
        return (float("nan"),) * 3
    target = fraction * total
    previous_bound, previous_count = 0.0, 0.0
    for bound, count in deltas:
        if count >= target:
            if bound == float("inf"):
                return (float("inf"), previous_bound * 1000, float("inf"))
            share = (target - previous_count) / max(count - previous_count, 1)
            estimate = previous_bound + share * (bound - previous_bound)
            return (estimate * 1000, previous_bound * 1000, bound * 1000)
        previous_bound, previous_count = bound, count
    return (float("nan"),) * 3


def main():
    bench_bin = os.path.join(os.environ["CRM_E2E_BUILD_DIR"], "bench",
                             "crm-bench")
    if not FOLLOWERS:
        sys.exit("BENCH_LAG_FOLLOWERS names none of "
                 + ", ".join(ALL_FOLLOWERS))
    print("following customer-profile's feed: " + ", ".join(FOLLOWERS))
    suite = LagSuite.start()
    try:
        addr = f"127.0.0.1:{suite.grpc_ports['customer-profile']}"
        with tempfile.NamedTemporaryFile("w+", suffix=".txt") as names:
            subprocess.run([bench_bin, "create-customers", f"--addr={addr}",
                            f"--count={CUSTOMERS}"], stdout=names,
                           check=True)
            head = feed_head(suite)
            wait_caught_up(suite, head,
                           "the consumers to apply the customers' events")
            before = profile_consumers(scrape(suite))
            pids = suite_pids(suite)
            admin_query(suite, "SET GLOBAL userstat = 1")
            users_before = user_statistics(suite)
            cpu_before = cpu_snapshot(pids)
            started = time.monotonic()
            load = subprocess.run(
                [bench_bin, "record-order", f"--addr={addr}",
                 f"--names_file={names.name}", f"--threads={THREADS}",
                 f"--rate={RATE}", f"--duration={DURATION}",
                 "--max_rows=10000000"],
                capture_output=True, text=True, check=True)
            load_seconds = time.monotonic() - started
        print(load.stdout.strip())
        head = feed_head(suite)
        wait_caught_up(suite, head, "the consumers to reach the feed's head")
        drained = time.monotonic() - started - load_seconds
        cpu_after = cpu_snapshot(pids)
        users_after = user_statistics(suite)
        after = profile_consumers(scrape(suite))
        if os.environ.get("BENCH_LAG_DUMP"):
            print("before", before)
            print("after", after)
        fields = dict(part.split("=", 1) for part in load.stdout.split()
                      if "=" in part)
        print(f"RecordOrder: {fields.get('rows')} orders in "
              f"{fields.get('seconds')} s = {fields.get('rate')}/s "
              f"(asked {RATE}/s, {THREADS} threads; reply p50 "
              f"{fields.get('p50_ms')} ms, p99 {fields.get('p99_ms')} ms); "
              f"every consumer at the feed's head {drained:.1f} s after the "
              "last call")
        orders = max(int(fields.get("rows", "0") or 0), 1)
        wall = time.monotonic() - started
        print("CPU per order over the load and the drain (µs; cores busy "
              f"over {wall:.1f} s): " + ", ".join(
                  f"{name} {(cpu_after[name] - cpu_before[name]) * 1e6 / orders:.0f}"
                  f" ({(cpu_after[name] - cpu_before[name]) / wall:.2f})"
                  for name in sorted(cpu_after)))
        print("mariadbd CPU per order by database user (µs): " + ", ".join(
            f"{user} {(now - users_before.get(user, 0.0)) * 1e6 / orders:.0f}"
            for user, now in sorted(users_after.items())
            if user.startswith("crm_") and user != "crm_admin"))
        print("| consumer | events | delay p50 ms | delay p99 ms "
              "(bucket) | max bucket | goal p99 < 100 ms | events per "
              "transaction | transaction p50, p99 ms | arrival p50, p99 ms |")
        print("|---|---|---|---|---|---|---|---|---|")
        for key in sorted(after):
            empty = {"buckets": [], "batch_buckets": [],
                     "receive_buckets": [], "batches": 0, "applied": 0}
            was = before.get(key, empty)
            old = dict(was["buckets"])
            deltas = [(bound, count - old.get(bound, 0.0))
                      for bound, count in after[key]["buckets"]]
            if not deltas or deltas[-1][1] <= 0:
                continue
            p50 = percentile(deltas, 0.5)
            p99 = percentile(deltas, 0.99)
            top = next(bound for bound, count in deltas
                       if count >= deltas[-1][1])
            old_batch = dict(was["batch_buckets"])
            batch_deltas = [(bound, count - old_batch.get(bound, 0.0))
                            for bound, count in after[key]["batch_buckets"]]
            old_receive = dict(was["receive_buckets"])
            receive_deltas = [
                (bound, count - old_receive.get(bound, 0.0))
                for bound, count in after[key]["receive_buckets"]]
            batches = after[key]["batches"] - was["batches"]
            applied = after[key]["applied"] - was["applied"]
            per_batch = f"{applied / batches:.1f}" if batches > 0 else "–"

            def p50_p99(series):
                if not series or series[-1][1] <= 0:
                    return "–"
                return (f"{percentile(series, 0.5)[0]:.1f}, "
                        f"{percentile(series, 0.99)[0]:.1f}")
            timing = p50_p99(batch_deltas)
            arrival = p50_p99(receive_deltas)
            print(f"| {key[0]} ({key[1]}) | {int(deltas[-1][1])} | "
                  f"{p50[0]:.1f} | {p99[0]:.1f} ({p99[1]:g}–{p99[2]:g}) | "
                  f"≤ {top * 1000:g} ms | "
                  f"{'met' if p99[2] <= 100 else 'NOT met'} | {per_batch} | "
                  f"{timing} | {arrival} |")
    finally:
        suite.stop()


if __name__ == "__main__":
    main()
