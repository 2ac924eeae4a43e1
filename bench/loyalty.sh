# The loyalty phase of bench/run.sh (BENCH_PHASES=loyalty; not in the
# default run): the real crm-loyalty on the run's MariaDB, following the
# run's customer-profile, measured three ways in one run:
#
#   (l0) raw earn     single-row INSERT transactions (autocommit) of
#                     EARN-shaped rows into a table made LIKE loyalty's
#                     ledger_entries, BENCH_LOYALTY_RAW_THREADS (1) threads
#                     (crm-loyalty-bench raw-earn): the reference;
#   (l1) earn         BENCH_LOYALTY_ORDERS (5,000) orders recorded in
#                     customer-profile (RecordOrder, 8 threads, over
#                     BENCH_LOYALTY_CUSTOMERS (200) customers) while loyalty
#                     is stopped, then loyalty started with the feed: its
#                     consumer applies the backlog (one transaction per event:
#                     order earning, EARN entry, lot, tier evaluation, cursor).
#                     Rate = EARN entries / time from the first to the last
#                     entry's create_time; p50/p99 = the gap between
#                     consecutive earnings; done when loyalty's cursor
#                     reaches the feed's head. Every account's ledger is then
#                     proved (VerifyLedger) and Σ balances compared with
#                     Σ order_earnings.points_earned;
#   (l2) redemption   BENCH_LOYALTY_REDEEM_THREADS (16) callers of
#                     RedeemPoints (10 points each) on ONE account for
#                     BENCH_DURATION, then an overdraw race (the balance
#                     brought to 1,000, ~288 redemptions of 7 points racing:
#                     exactly 142 must pass and 6 points remain) and
#                     VerifyLedger (crm-loyalty-bench redeem-contention);
#   (l3) tier review  BENCH_LOYALTY_MEMBERS (100,000) accounts seeded with
#                     one EARN entry and its lot each by bulk SQL into
#                     loyalty's own tables (migrations 0001/0002 shapes;
#                     qualifying points spread over 1..20,000, 9% of them
#                     older than the 365-day window, every tier ''), then
#                     crm-loyalty's own scheduled review
#                     (LOYALTY_TIER_REVIEW_INTERVAL: its first run starts
#                     with the process) run twice, each in a fresh process,
#                     timed from the process's "starting" log line to its
#                     "tiers reviewed" line: the first run moves ~2/3 of the
#                     members into silver or gold, the second changes nothing
#                     (the steady state of the 6-hourly job). Every member's
#                     tier is then checked against its seed.
#
# Costs per call as in run.sh (status-counter deltas, CPU of mariadbd and
# customer-profile from /proc), plus crm-loyalty's CPU. Writes
# bench/results/loyalty-<UTC time>.md.
#
# Sourced by bench/run.sh after customer-profile is up; uses its helpers
# (find_binary, free_port, stop_pid, cpu_ticks, field, ratio, measure,
# per_call, snapshot, db_admin) and variables (repo, work, results_dir,
# grpc_port, db_port, duration, bench_bin, clk_tck). Sets loyalty_pid while crm-loyalty
# runs (run.sh's cleanup stops it).

loyalty_bin=$(find_binary crm-loyalty)
loyalty_bench_bin=$(find_binary crm-loyalty-bench)
loyalty_orders=${BENCH_LOYALTY_ORDERS:-5000}
loyalty_customers=${BENCH_LOYALTY_CUSTOMERS:-200}
loyalty_raw_threads=${BENCH_LOYALTY_RAW_THREADS:-1}
loyalty_redeem_threads=${BENCH_LOYALTY_REDEEM_THREADS:-16}
loyalty_members=${BENCH_LOYALTY_MEMBERS:-100000}
loyalty_earn_timeout=${BENCH_LOYALTY_EARN_TIMEOUT:-600}
loyalty_db_password=$(crm_secret_get "$work/secrets.env" LOYALTY_DB_PASSWORD)
loyalty_pid=""
export CRM_BENCH_LOYALTY_DB_PASSWORD=$loyalty_db_password

# loyalty_sql SQL: runs SQL on crm_loyalty as the service's user.
loyalty_sql() {
  MYSQL_PWD=$loyalty_db_password mariadb --no-defaults --protocol=tcp \
    -h 127.0.0.1 -P "$db_port" -u crm_loyalty -D crm_loyalty --batch \
    --skip-column-names -e "$1"
}
# start_loyalty [CUSTOMER_PROFILE_ADDR [TIER_REVIEW_INTERVAL]]: crm-loyalty
# on free ports, expiry off, the tier review off unless an interval is given
# (its first run starts with the process), logging to $loyalty_log; returns
# once /readyz answers 200.
loyalty_log="$work/loyalty.log"
start_loyalty() {
  loyalty_grpc_port=$(free_port)
  loyalty_admin_port=$(free_port)
  (
    export LOYALTY_GRPC_PORT=$loyalty_grpc_port
    export LOYALTY_ADMIN_PORT=$loyalty_admin_port
    export LOYALTY_BIND_ADDRESS=127.0.0.1
    export LOYALTY_DB_HOST=127.0.0.1 LOYALTY_DB_PORT=$db_port
    export LOYALTY_DB_USER=crm_loyalty LOYALTY_DB_PASSWORD=$loyalty_db_password
    export LOYALTY_DB_POOL_SIZE=$((loyalty_redeem_threads + 4))
    export LOYALTY_LOG_LEVEL=info
    export LOYALTY_CUSTOMER_PROFILE_ADDR=${1:-}
    export LOYALTY_TIER_REVIEW_INTERVAL=${2:-0s} LOYALTY_EXPIRY_INTERVAL=0s
    exec "$loyalty_bin" </dev/null >>"$loyalty_log" 2>&1
  ) &
  loyalty_pid=$!
  wait_ready crm-loyalty "$loyalty_pid" "$loyalty_admin_port" "$loyalty_log"
}
stop_loyalty() {
  stop_pid "$loyalty_pid"
  loyalty_pid=""
}
# loyalty_us TICKS CALLS: crm-loyalty's CPU µs per call.
loyalty_us() { awk -v t="$1" -v n="$2" -v k="$clk_tck" 'BEGIN{ if (n > 0) printf "%.0f", t * 1e6 / k / n; else print "n/a" }'; }
declare -A lline lcost lcpu

# --- (l2) redemption under contention -------------------------------------
crm_log "loyalty: crm-loyalty (no feed) for the programme and the redemption phase"
start_loyalty
"$loyalty_bench_bin" set-program --addr="127.0.0.1:$loyalty_grpc_port" >/dev/null
crm_log "(l2) RedeemPoints on one account: $loyalty_redeem_threads callers, $duration, then the overdraw race"
ticks0=$(cpu_ticks "$loyalty_pid")
measure "$loyalty_bench_bin" redeem-contention \
  --addr="127.0.0.1:$loyalty_grpc_port" --threads="$loyalty_redeem_threads" \
  --duration="$duration"
lline[redeem]=$(grep '^mode=redeem-contention' <<<"$measured_out" || true)
lline[overdraw]=$(grep '^mode=redeem-overdraw' <<<"$measured_out" || true)
[[ -n "${lline[redeem]}" && -n "${lline[overdraw]}" ]] ||
  crm_die "crm-loyalty-bench redeem-contention failed: $measured_out"
# Over every call of the command (the credit, the timed load, the race).
redeem_calls=$(($(field "${lline[redeem]}" rows) + $(field "${lline[redeem]}" errors) + $(field "${lline[overdraw]}" attempts) + 4))
lcost[redeem]=$(per_call "$redeem_calls")
lcpu[redeem]=$(loyalty_us $(($(cpu_ticks "$loyalty_pid") - ticks0)) "$redeem_calls")
echo "  ${lline[redeem]}"
echo "  ${lline[overdraw]}"
echo "  per call: ${lcost[redeem]} loyalty_us=${lcpu[redeem]}"
stop_loyalty

# --- (l1) earning from the feed, with its raw reference (l0) ---------------
crm_log "(l1) recording $loyalty_orders orders of $loyalty_customers customers in customer-profile (crm-loyalty stopped)"
"$bench_bin" create-customers --addr="127.0.0.1:$grpc_port" \
  --count="$loyalty_customers" >"$work/loyalty-customers.txt"
recorded=$("$bench_bin" record-order --addr="127.0.0.1:$grpc_port" \
  --names_file="$work/loyalty-customers.txt" --threads=8 --duration=600s \
  --max_rows="$loyalty_orders")
echo "  $recorded"
orders_recorded=$(field "$recorded" rows)
# The feed's head once every recorded event is numbered: the consumer is done
# when its cursor reaches it (the last events are these orders).
feed_head=""
for _ in $(seq 1 100); do
  read -r feed_head unnumbered < <(db_admin "SELECT COALESCE(MAX(sequence), 0), COALESCE(SUM(sequence IS NULL), 0) FROM crm_customer_profile.change_feed_events")
  [[ "$unnumbered" == 0 ]] && break
  sleep 0.1
done

crm_log "(l0) raw single-row INSERT transactions into bench_raw_ledger_entries: $loyalty_raw_threads thread(s), $duration"
measure "$loyalty_bench_bin" raw-earn --port="$db_port" --user=crm_loyalty \
  --password_env=CRM_BENCH_LOYALTY_DB_PASSWORD --database=crm_loyalty \
  --threads="$loyalty_raw_threads" --duration="$duration"
lline[raw]=$(grep '^mode=raw-earn' <<<"$measured_out" || true)
lcost[raw]=$(per_call "$(field "${lline[raw]}" rows)")
echo "  ${lline[raw]}"
echo "  per call: ${lcost[raw]}"

crm_log "(l1) crm-loyalty following the feed: applying the backlog of $orders_recorded orders"
measured_before=$(snapshot)
earn_start=$(date +%s.%N)
start_loyalty "127.0.0.1:$grpc_port"
while true; do
  cursor=$(loyalty_sql "SELECT COALESCE(MAX(last_sequence), 0) FROM feed_consumer_cursors WHERE consumer = 'loyalty.orders'")
  ((cursor >= feed_head)) && break
  crm_pid_running "$loyalty_pid" || crm_die "crm-loyalty exited while earning: $(tail -n 5 "$loyalty_log")"
  if awk -v s="$earn_start" -v n="$(date +%s.%N)" -v t="$loyalty_earn_timeout" 'BEGIN{exit !(n - s > t)}'; then
    crm_log "(l1) timed out after ${loyalty_earn_timeout}s at feed sequence $cursor of $feed_head"
    break
  fi
  sleep 0.2
done
earned=$(loyalty_sql "SELECT COUNT(*) FROM ledger_entries WHERE type = 'EARN'")
earn_end=$(date +%s.%N)
measured_after=$(snapshot)
measured_client_ticks=0
lcost[earn]=$(per_call "$earned")
lcpu[earn]=$(loyalty_us "$(cpu_ticks "$loyalty_pid")" "$earned")
# Rate and gaps from the entries' own timestamps (the service's clock, in
# µs). The consumer applies a backlog in batches whose entries share the
# batch's start time, so rate = the earnings stamped before the last stamp /
# (last - first): the batches from the first one's start to the last one's
# start. p50/p99 of the gaps between consecutive distinct stamps = how long
# a batch took.
loyalty_sql "SELECT TIMESTAMPDIFF(MICROSECOND, '2000-01-01', create_time) FROM ledger_entries WHERE type = 'EARN' ORDER BY create_time, id" >"$work/earn-times.txt"
earn_count=$(wc -l <"$work/earn-times.txt")
earn_span=$(awk 'NR == 1 {first = $1} {last = $1} END {printf "%.3f", (NR > 0 ? (last - first) / 1e6 : 0)}' "$work/earn-times.txt")
earn_before_last=$(awk '{t[NR] = $1} END {n = 0; for (i = 1; i <= NR; i++) if (t[i] < t[NR]) n++; print n}' "$work/earn-times.txt")
earn_gaps=$(uniq "$work/earn-times.txt" | awk 'NR > 1 {print ($1 - prev) / 1000} {prev = $1}' | sort -n |
  awk '{v[NR] = $1} END {
    if (NR == 0) { print "p50_ms=0 p99_ms=0"; exit }
    printf "p50_ms=%.2f p99_ms=%.2f", v[int(0.50 * (NR - 1) + 0.5) + 1], v[int(0.99 * (NR - 1) + 0.5) + 1] }')
# Events per transaction from the consumer's own counters.
consumer_metric() {
  curl -s "http://127.0.0.1:$loyalty_admin_port/metrics" |
    awk -v m="$1" '$1 ~ "^" m "\\{" && $1 ~ /loyalty.orders/ {print $2; found = 1} END {if (!found) print 0}'
}
earn_batches=$(consumer_metric crm_feed_consumer_batches_total)
earn_applied=$(consumer_metric crm_feed_consumer_applied_total)
lline[earn]=$(awk -v n="$earn_count" -v done_before_last="$earn_before_last" -v span="$earn_span" -v gaps="$earn_gaps" \
  -v batches="$earn_batches" -v applied="$earn_applied" \
  -v wall="$(awk -v a="$earn_start" -v b="$earn_end" 'BEGIN{printf "%.2f", b - a}')" 'BEGIN {
    printf "mode=feed-earn threads=1 rows=%d errors=0 seconds=%.2f rate=%.1f %s wall_seconds=%.2f wall_rate=%.1f events_applied=%d transactions=%d events_per_transaction=%.1f\n",
      n, span, (span > 0 ? done_before_last / span : 0), gaps, wall, (wall > 0 ? n / wall : 0),
      applied, batches, (batches > 0 ? applied / batches : 0) }')
echo "  ${lline[earn]}"
echo "  per earning: ${lcost[earn]} loyalty_us=${lcpu[earn]} (from its start)"
lline[verify]=$("$loyalty_bench_bin" verify-ledgers --addr="127.0.0.1:$loyalty_grpc_port" \
  --names_file="$work/loyalty-customers.txt" || true)
points_earned=$(loyalty_sql "SELECT COALESCE(SUM(points_earned), 0) FROM order_earnings")
echo "  ${lline[verify]} order_earnings_points=$points_earned"
stop_loyalty

# --- (l3) the scheduled tier review of many members -----------------------
crm_log "(l3) seeding $loyalty_members members by bulk SQL"
seed_start=$(date +%s.%N)
# Member i: qualifying points 1 + (i * 7919) mod 20000, earned (i mod 400)
# days and (i mod 20) hours ago (days 365..399 are outside the window; no
# entry is within 4 hours of its edge).
seq_sql="INSERT INTO bench_seq (n) VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10);"
for ((size = 10; size < loyalty_members; size *= 2)); do
  seq_sql+=" INSERT INTO bench_seq (n) SELECT n + $size FROM bench_seq;"
done
member_select="SELECT CONCAT('bench-m', LPAD(n, 7, '0')) AS id,
    1 + (n * 7919) % 20000 AS points,
    @now - INTERVAL (n % 400) DAY - INTERVAL (n % 20) HOUR AS earned
  FROM bench_seq WHERE n <= $loyalty_members"
loyalty_sql "
  SET @now = UTC_TIMESTAMP(6);
  DROP TABLE IF EXISTS bench_seq;
  CREATE TABLE bench_seq (n INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;
  $seq_sql
  INSERT INTO accounts (customer_id, points_balance, create_time, update_time,
      version, tier, points_debt)
    SELECT id, points, earned, earned, 1, '', 0 FROM ($member_select) m;
  INSERT INTO ledger_entries (customer_id, id, type, points_delta,
      balance_after, reason, idempotency_key, create_time, sequence,
      qualifying_delta, expire_time)
    SELECT id, CONCAT('seed-', id), 'EARN', points, points, 'bench seed',
      CONCAT('order:customers/', id, '/orders/seed'), earned, 1, points, NULL
    FROM ($member_select) m;
  INSERT INTO point_lots (customer_id, id, points, remaining_points,
      earn_time, expire_time)
    SELECT id, CONCAT('seed-', id), points, points, earned, NULL
    FROM ($member_select) m;
  DROP TABLE bench_seq;"
seed_seconds=$(awk -v a="$seed_start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
seeded=$(loyalty_sql "SELECT COUNT(*) FROM accounts WHERE customer_id LIKE 'bench-m%'")
crm_log "(l3) seeded $seeded members in ${seed_seconds}s; crm-loyalty's scheduled tier review, twice"
# log_time FILE MESSAGE: the epoch seconds of the first log line of FILE
# whose message is MESSAGE (empty if none yet).
log_time() {
  local stamp
  stamp=$(grep -m 1 "\"message\":\"$2\"" "$1" | sed -n 's/.*"time":"\([^"]*\)".*/\1/p')
  [[ -n "$stamp" ]] && date -d "$stamp" +%s.%N
}
# Each run: crm-loyalty started with the review scheduled (its first run
# starts with the process, before it serves), timed from the process's
# "starting" log line to its "tiers reviewed" line.
loyalty_review_timeout=${BENCH_LOYALTY_REVIEW_TIMEOUT:-900}
for review_run in 1 2; do
  loyalty_log="$work/loyalty-review-$review_run.log"
  measured_before=$(snapshot)
  start_loyalty "" 24h
  review_deadline=$((SECONDS + loyalty_review_timeout))
  until grep -q '"message":"tiers reviewed"' "$loyalty_log"; do
    grep -q '"message":"tier review stopped early' "$loyalty_log" &&
      crm_die "(l3) the tier review failed: $(grep -m 1 'tier review stopped early' "$loyalty_log")"
    crm_pid_running "$loyalty_pid" || crm_die "crm-loyalty exited during the tier review: $(tail -n 5 "$loyalty_log")"
    ((SECONDS < review_deadline)) || crm_die "(l3) the tier review took more than ${loyalty_review_timeout}s"
    sleep 0.2
  done
  measured_after=$(snapshot)
  measured_client_ticks=0
  review_line=$(grep -m 1 '"message":"tiers reviewed"' "$loyalty_log")
  review_members=$(sed -n 's/.*"accounts":"\([0-9]*\)".*/\1/p' <<<"$review_line")
  review_changed=$(sed -n 's/.*"changed":"\([0-9]*\)".*/\1/p' <<<"$review_line")
  review_seconds=$(awk -v a="$(log_time "$loyalty_log" starting)" -v b="$(log_time "$loyalty_log" "tiers reviewed")" 'BEGIN{printf "%.2f", b - a}')
  lline[review$review_run]="mode=tier-review run=$review_run members=$review_members changed=$review_changed seconds=$review_seconds rate=$(awk -v n="$review_members" -v s="$review_seconds" 'BEGIN{printf "%.1f", (s > 0 ? n / s : 0)}')"
  lcost[review$review_run]=$(per_call "$review_members")
  lcpu[review$review_run]=$(loyalty_us "$(cpu_ticks "$loyalty_pid")" "$review_members")
  echo "  ${lline[review$review_run]}"
  echo "  per member: ${lcost[review$review_run]} loyalty_us=${lcpu[review$review_run]} (from its start)"
  stop_loyalty
done
tiers_seen=$(loyalty_sql "SELECT CONCAT(IF(tier = '', 'none', tier), '=', COUNT(*)) FROM accounts WHERE customer_id LIKE 'bench-m%' GROUP BY tier ORDER BY tier" | paste -sd' ')
tier_mismatches=$(loyalty_sql "
  SELECT COUNT(*) FROM accounts a JOIN ledger_entries e
    ON e.customer_id = a.customer_id AND e.sequence = 1
  WHERE a.customer_id LIKE 'bench-m%' AND a.tier <> CASE
    WHEN e.create_time < UTC_TIMESTAMP(6) - INTERVAL 365 DAY THEN ''
    WHEN e.qualifying_delta >= 15000 THEN 'gold'
    WHEN e.qualifying_delta >= 5000 THEN 'silver' ELSE '' END")
echo "  tiers after the review: $tiers_seen; members whose tier differs from their seed: $tier_mismatches"

# --- Report ------------------------------------------------------------------
loyalty_report="$results_dir/loyalty-$(date -u +%Y%m%dT%H%M%SZ).md"
lrow() { # lrow LABEL WHAT LINE
  echo "| $1 | $2 | $(field "$3" rows) | $(field "$3" rate) | $(field "$3" p50_ms) | $(field "$3" p99_ms) |"
}
lcost_row() { # lcost_row LABEL COST LOYALTY_US
  echo "| $1 | $(field "$2" round_trips) | $(field "$2" commit) | ${3:-–} | $(field "$2" mariadbd_us) | $(field "$2" service_us) | $(field "$2" client_us) | $(field "$2" other_us) |"
}
{
  echo "# loyalty benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname) ($(nproc) cores), MariaDB $(mariadbd --version 2>/dev/null | awk '{print $3}'), build \`$(basename "$build_dir")\`, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| phase | what | rows | rate (/s) | p50 ms | p99 ms |"
  echo "|---|---|---|---|---|---|"
  lrow "(l0) raw" "single-row INSERT transactions (autocommit) into a table LIKE ledger_entries, $loyalty_raw_threads thread(s)" "${lline[raw]}"
  lrow "(l1) earn" "ORDER_RECORDED events applied by crm-loyalty's feed consumer, in batches (rate: earnings from the first batch's start to the last one's; p50/p99: one batch's time)" "${lline[earn]}"
  lrow "(l2) redeem" "RedeemPoints on one account, $loyalty_redeem_threads callers" "${lline[redeem]}"
  echo "| (l3) tier review, 1st | crm-loyalty's scheduled review over $(field "${lline[review1]}" members) members, $(field "${lline[review1]}" changed) tiers changed | $(field "${lline[review1]}" members) | $(field "${lline[review1]}" rate) | – | – |"
  echo "| (l3) tier review, 2nd | the same again, $(field "${lline[review2]}" changed) changed | $(field "${lline[review2]}" members) | $(field "${lline[review2]}" rate) | – | – |"
  echo
  echo "Per call (status-counter deltas of the whole server and CPU µs per call; (l1) and (l3) over the whole time from crm-loyalty's start, so its start-up is included):"
  echo
  echo "| phase | round trips | commits | crm-loyalty CPU | mariadbd CPU | customer-profile CPU | load client CPU | other processes CPU |"
  echo "|---|---|---|---|---|---|---|---|"
  lcost_row "(l0) raw INSERT" "${lcost[raw]}"
  lcost_row "(l1) earning" "${lcost[earn]}" "${lcpu[earn]}"
  lcost_row "(l2) RedeemPoints" "${lcost[redeem]}" "${lcpu[redeem]}"
  lcost_row "(l3) tier review, 1st run, per member" "${lcost[review1]}" "${lcpu[review1]}"
  lcost_row "(l3) tier review, 2nd run, per member" "${lcost[review2]}" "${lcpu[review2]}"
  echo
  echo "- earn / raw single-row transactions: **$(ratio "$(field "${lline[earn]}" rate)" "$(field "${lline[raw]}" rate)")** (goal ≥ 0.5); $(field "${lline[earn]}" rows) of $orders_recorded orders earned; wall time from crm-loyalty's start to the last earning $(field "${lline[earn]}" wall_seconds) s ($(field "${lline[earn]}" wall_rate)/s); $(field "${lline[earn]}" events_per_transaction) events per consumer transaction ($(field "${lline[earn]}" transactions) transactions)"
  echo "- ledgers after earning: $(field "${lline[verify]}" accounts) accounts, $(field "${lline[verify]}" inconsistent) inconsistent (VerifyLedger); Σ balances $(field "${lline[verify]}" balance_sum) = Σ order_earnings $points_earned: $([[ "$(field "${lline[verify]}" balance_sum)" == "$points_earned" ]] && echo yes || echo **NO**)"
  echo "- redemption on one account: lowest balance_after seen $(field "${lline[redeem]}" min_balance_after); overdraw race: $(field "${lline[overdraw]}" granted) of $(field "${lline[overdraw]}" attempts) redemptions of 7 granted (expected $(field "${lline[overdraw]}" expected_granted)), $(field "${lline[overdraw]}" refused) refused with INSUFFICIENT_BALANCE, final balance $(field "${lline[overdraw]}" final_balance), exact: **$(field "${lline[overdraw]}" exact)**; VerifyLedger consistent: **$(field "${lline[overdraw]}" consistent)** ($(field "${lline[overdraw]}" entries) entries, Σ entries $(field "${lline[overdraw]}" entries_sum) = Σ lots $(field "${lline[overdraw]}" lots_remaining_sum))"
  echo "- tier review: $seeded members seeded in ${seed_seconds} s; tiers afterwards: $tiers_seen; members whose tier differs from what their seed qualifies for: **$tier_mismatches**"
  echo
  echo "Raw lines:"
  echo
  echo '```'
  for l in "$recorded" "${lline[raw]}" "${lline[earn]}" "${lline[verify]}" "${lline[redeem]}" "${lline[overdraw]}" "${lline[review1]}" "${lline[review2]}"; do
    [[ -n "$l" ]] && echo "$l"
  done
  echo '```'
} >"$loyalty_report"
echo
cat "$loyalty_report"
crm_log "loyalty report written to ${loyalty_report#"$repo"/}"
