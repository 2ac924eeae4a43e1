#!/usr/bin/env bash
# The customer-profile benchmark (`make bench`): in one run, against one
# private MariaDB and the real crm-customer-profile binary,
#   (a) raw single-row INSERT transactions into an orders-shaped table from a
#       plain Connector/C++ client (crm-bench raw-insert),
#   (b) RecordOrder over gRPC at the same concurrency (crm-bench
#       record-order), and (b0) an empty gRPC call from the same kind of
#       caller at the same concurrency (crm-bench empty-call): the most any
#       gRPC write made this way can reach,
#   (c0) the reference of the import: the same CSV rows loaded as
#       customers + identifier rows with multi-row INSERTs of
#       BENCH_IMPORT_RAW_BATCH rows per transaction, no encryption
#       (crm-bench raw-import),
#   (c) a CSV import of BENCH_IMPORT_ROWS generated rows through crm-import,
#   (d) the change feed's tail latency: BENCH_FEED_ORDERS orders recorded one
#       at a time while a WatchChanges stream tails (crm-bench feed-latency),
# and the read path, BENCH_READ_CONCURRENCY (32) in flight, over
# BENCH_READ_CUSTOMERS customers created first (crm-bench create-customers):
#   (e) raw primary-key SELECTs of those customers' rows (crm-bench
#       raw-select), (f) GetCustomer over gRPC (crm-bench get-customer),
#   (g) ListCustomers over gRPC (crm-bench list-customers),
#   (j) an empty unary gRPC call (grpc.health.v1 Health/Check) and
#   (k) GetCustomer of one customer, both from h2load at the read
#       concurrency (what GetCustomer costs above gRPC itself),
#   (h) GetCustomer over gRPC from h2load (framed request, one id) and
#   (i) GET /v1/customers/{id} through the real crm-gateway from wrk
#       (HTTP/1.1 keep-alive, the ids spread by bench/get_customer.lua),
# each with MariaDB status-counter deltas (round trips) and the CPU time of
# the service, mariadbd and the gateway per call (from /proc/PID/stat);
#   (p) when perf works, `perf record -a -g` under the load of (i), as
#       `perf report` text per process (gateway, service, mariadbd) in
#       bench/results/,
# and, only when asked for (BENCH_PHASES=gateway-peer), crm-gateway side by
# side with the Go grpc-gateway and direct gRPC, alternating, for GET, list
# and create (bench/gateway_peer.sh; its own report,
# bench/results/gateway-peer-<time>.md).
# Also only when asked for: BENCH_PHASES=loyalty (bench/loyalty.sh: earning
# from customer-profile's feed against raw single-row transactions,
# RedeemPoints on one account under contention with VerifyLedger, the tier
# review of 100,000 seeded members; bench/results/loyalty-<time>.md) and
# BENCH_PHASES=feedback (bench/feedback.sh: SubmitFeedback with text
# analysis against raw inserts of the same rows;
# bench/results/feedback-<time>.md) and BENCH_PHASES=segmentation
# (bench/segmentation.sh: RecomputeScores and FitClvModel over a seeded read
# model of 1,000,000 customers next to streaming its aggregates;
# bench/results/segmentation-<time>.md).
# It prints and writes bench/results/report.md with the ratios
# RecordOrder/raw, import/raw load, GetCustomer/raw select and gateway/direct,
# and the feed latencies.
#
#   bench/run.sh [BUILD_DIR]          (default: build)
#
# Settings (environment): BENCH_WRITE_THREADS ("8 32": (a) and (b) run at
# each of these concurrencies), BENCH_THREADS (8), BENCH_DURATION (10s per load
# phase), BENCH_MAX_ROWS (200000 per load phase), BENCH_IMPORT_ROWS (100000),
# BENCH_IMPORT_TIMEOUT (15m), BENCH_IMPORT_RAW_BATCH (1000 rows per INSERT
# of (c0)), BENCH_IMPORT_RAW_THREADS (2), BENCH_FEED_ORDERS (200),
# BENCH_READ_CONCURRENCY (32), BENCH_READ_CUSTOMERS (1000),
# BENCH_LIST_PAGE_SIZE (20), BENCH_GATEWAY_HTTP_THREADS (the read
# concurrency), BENCH_PROFILE (auto: when perf works; 0 skips it),
# BENCH_PHASES (all of: write import feed read gateway; a subset runs only
# those; gateway-peer, loyalty, feedback and segmentation, with their
# BENCH_PEER_*, BENCH_LOYALTY_*, BENCH_FEEDBACK_* and BENCH_SEG_* settings in
# bench/gateway_peer.sh, bench/loyalty.sh, bench/feedback.sh and
# bench/segmentation.sh, run only when named). The load tools of (h), (i) and (p) come from
# bench/install-bench-deps.sh. Everything listens on 127.0.0.1 on free ports
# chosen at start; state goes to a temporary directory removed at the end.
# Only the processes this script starts are stopped (by PID).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$repo/scripts/lib.sh"

build_dir=${1:-$repo/build}
[[ -d "$build_dir" ]] || crm_die "no build directory $build_dir (run \`make build\`)"
build_dir=$(cd "$build_dir" && pwd)
threads=${BENCH_THREADS:-8}
write_threads=${BENCH_WRITE_THREADS:-8 32}
duration=${BENCH_DURATION:-10s}
max_rows=${BENCH_MAX_ROWS:-200000}
import_rows=${BENCH_IMPORT_ROWS:-100000}
import_timeout=${BENCH_IMPORT_TIMEOUT:-15m}
import_batch=${BENCH_IMPORT_RAW_BATCH:-1000}
import_raw_threads=${BENCH_IMPORT_RAW_THREADS:-2}
feed_orders=${BENCH_FEED_ORDERS:-200}
read_concurrency=${BENCH_READ_CONCURRENCY:-32}
read_customers=${BENCH_READ_CUSTOMERS:-1000}
list_page_size=${BENCH_LIST_PAGE_SIZE:-20}
gateway_http_threads=${BENCH_GATEWAY_HTTP_THREADS:-$read_concurrency}
profile=${BENCH_PROFILE:-auto}
phases=" ${BENCH_PHASES:-write import feed read gateway} "
phase_on() { [[ "$phases" == *" $1 "* ]]; }
results_dir="$repo/bench/results"
mkdir -p "$results_dir"

find_binary() {
  local found
  found=$(find "$build_dir" -type f -name "$1" -perm -u+x -not -path '*/CMakeFiles/*' | head -n 1)
  [[ -n "$found" ]] || crm_die "$1 not found under $build_dir (run \`make build\`)"
  printf '%s\n' "$found"
}
service_bin=$(find_binary crm-customer-profile)
bench_bin=$(find_binary crm-bench)
import_bin=$(find_binary crm-import)
gateway_bin=""
if phase_on gateway || phase_on gateway-peer; then
  gateway_bin=$(find_binary crm-gateway)
  "$repo/bench/install-bench-deps.sh"
fi

# A TCP port on 127.0.0.1 that nothing listens on (and not one a developer's
# suite uses).
free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 20000))
    case $port in 3307 | 8080 | 5005[1-4] | 909[1-4]) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

work=$(mktemp -d "${TMPDIR:-/tmp}/crm-bench.XXXXXX")
# The gateway's admin API key for the load (X-API-Key): the gateways get its
# SHA-256, the wrk scripts read it from CRM_API_KEY.
CRM_API_KEY="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export CRM_API_KEY
bench_api_keys="bench admin sha256:$(printf '%s' "$CRM_API_KEY" | sha256sum | cut -d' ' -f1)"
# api_status URL: the HTTP status of a GET with the key (000 if unreachable).
api_status() {
  curl -s -o /dev/null -m 2 -w '%{http_code}' -H "X-API-Key: $CRM_API_KEY" \
    "$1" 2>/dev/null || true
}
db_dir="$work/mariadb"
db_port=$(free_port)
grpc_port=$(free_port)
admin_port=$(free_port)
gateway_port=$(free_port)
service_pid=""
gateway_pid=""
export CRM_MYSQL_ADMIN_PASSWORD
CRM_MYSQL_ADMIN_PASSWORD=$(crm_new_secret)

stop_pid() {
  [[ -n "$1" ]] && crm_pid_running "$1" || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do
    crm_pid_running "$1" || break
    sleep 0.1
  done
  crm_pid_running "$1" && kill -KILL "$1" 2>/dev/null || true
}
# wait_ready NAME PID ADMIN_PORT LOG: until the process answers /readyz with
# 200; dies (with the log's tail) if it exits or is not ready within 60 s.
wait_ready() {
  local deadline=$((SECONDS + 60))
  until [[ "$(crm_http_status "http://127.0.0.1:$3/readyz")" == 200 ]]; do
    crm_pid_running "$2" || {
      tail -n 20 "$4" >&2
      crm_die "$1 exited during start-up"
    }
    ((SECONDS < deadline)) || crm_die "$1 not ready within 60s"
    sleep 0.1
  done
}
cleanup() {
  stop_pid "${loyalty_pid:-}"
  stop_pid "${feedback_pid:-}"
  stop_pid "${peer_pid:-}"
  stop_pid "${peer_gateway_pid:-}"
  stop_pid "$gateway_pid"
  stop_pid "$service_pid"
  "$repo/scripts/mariadb.sh" stop "$db_dir" >/dev/null 2>&1 || true
  if [[ "${BENCH_KEEP_WORK:-0}" == 1 ]]; then
    echo "run.sh: logs and data kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

crm_log "MariaDB on 127.0.0.1:$db_port (temporary, $db_dir)"
"$repo/scripts/mariadb.sh" start "$db_dir" "$db_port" >/dev/null
"$repo/scripts/provision-databases.sh" --host 127.0.0.1 --port "$db_port" \
  --secrets "$work/secrets.env" >/dev/null
db_password=$(crm_secret_get "$work/secrets.env" CUSTOMER_PROFILE_DB_PASSWORD)

crm_log "crm-customer-profile on 127.0.0.1:$grpc_port"
(
  export CUSTOMER_PROFILE_GRPC_PORT=$grpc_port
  export CUSTOMER_PROFILE_ADMIN_PORT=$admin_port
  export CUSTOMER_PROFILE_BIND_ADDRESS=127.0.0.1
  export CUSTOMER_PROFILE_DB_HOST=127.0.0.1
  export CUSTOMER_PROFILE_DB_PORT=$db_port
  export CUSTOMER_PROFILE_DB_USER=crm_customer_profile
  export CUSTOMER_PROFILE_DB_PASSWORD=$db_password
  export CUSTOMER_PROFILE_DB_POOL_SIZE=$((
    (threads > read_concurrency ? threads : read_concurrency) + 4))
  export CUSTOMER_PROFILE_LOG_LEVEL=warning
  CUSTOMER_PROFILE_PII_MASTER_KEYS="bench:$(head -c 32 /dev/urandom | base64 -w0)"
  export CUSTOMER_PROFILE_PII_MASTER_KEYS
  exec "$service_bin" </dev/null >>"$work/customer-profile.log" 2>&1
) &
service_pid=$!
wait_ready crm-customer-profile "$service_pid" "$admin_port" \
  "$work/customer-profile.log"
# Resident memory of the ready, idle service (the goal is under 50 MB).
sleep 1
idle_rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$service_pid/status")
crm_log "crm-customer-profile idle RSS: $((idle_rss_kb / 1024)) MB"

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.3f", a/b; else print "n/a" }'; }

# --- Cost per call: MariaDB status-counter deltas and CPU time ------------
clk_tck=$(getconf CLK_TCK)
db_pid=$(tr -dc '0-9' <"$db_dir/mysqld.pid")
counters=(Questions Com_stmt_prepare Com_stmt_execute Com_stmt_close
  Com_select Com_set_option Com_commit Com_rollback)
# CPU time (utime + stime, in clock ticks) of a running process; 0 if none.
cpu_ticks() {
  local stat fields
  if [[ -z "$1" ]] || ! read -r stat 2>/dev/null <"/proc/$1/stat"; then
    echo 0
    return
  fi
  read -ra fields <<<"${stat##*) }"
  echo $((fields[11] + fields[12]))
}
db_admin() {
  MYSQL_PWD=$CRM_MYSQL_ADMIN_PASSWORD mariadb --no-defaults --protocol=tcp \
    -h 127.0.0.1 -P "$db_port" -u crm_admin --batch --skip-column-names \
    -e "$1"
}
# "name=value ..." of the status counters and the CPU ticks so far.
snapshot() {
  local names
  names=$(printf "'%s'," "${counters[@]}")
  db_admin "SHOW GLOBAL STATUS WHERE Variable_name IN (${names%,})" |
    awk '{printf "%s=%s ", $1, $2}'
  echo "cpu_service=$(cpu_ticks "$service_pid")" \
    "cpu_mariadbd=$(cpu_ticks "$db_pid") cpu_gateway=$(cpu_ticks "$gateway_pid")" \
    "cpu_machine=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8; exit}' /proc/stat)"
}
# measure CMD...: runs a load command between two snapshots. Sets
# measured_out (its output), measured_before/after and measured_client_ticks
# (CPU of the command itself: the subshell's waited-for children).
measure() {
  local out
  measured_before=$(snapshot)
  out=$(
    "$@"
    read -r stat <"/proc/$BASHPID/stat"
    read -ra fields <<<"${stat##*) }"
    echo "client_ticks=$((fields[13] + fields[14]))"
  )
  measured_after=$(snapshot)
  measured_out=$(sed '$d' <<<"$out")
  measured_client_ticks=$(tail -n 1 <<<"$out" | sed 's/client_ticks=//')
}
# Per-call costs of the last measure() over CALLS calls, one line
# "questions=.. prepare=.. ... service_us=.. mariadbd_us=.. gateway_us=..
# client_us=..".
per_call() {
  awk -v before="$measured_before" -v after="$measured_after" -v calls="$1" \
    -v client="$measured_client_ticks" -v tck="$clk_tck" 'BEGIN {
      n = split(before, b, " ")
      for (i = 1; i <= n; i++) { split(b[i], kv, "="); B[kv[1]] = kv[2] }
      n = split(after, a, " ")
      for (i = 1; i <= n; i++) { split(a[i], kv, "="); A[kv[1]] = kv[2] }
      if (calls <= 0) { print "calls=0"; exit }
      for (k in A) D[k] = (A[k] - B[k]) / calls
      us = 1e6 / tck
      # COM_STMT_PREPARE and COM_STMT_EXECUTE are answered, COM_STMT_CLOSE
      # is not; Questions counts executes and text statements (SET, COMMIT,
      # ...) but neither prepares nor closes.
      printf "round_trips=%.2f questions=%.2f prepare=%.2f execute=%.2f close=%.2f " \
        "select=%.2f set_option=%.2f commit=%.2f rollback=%.2f " \
        "service_us=%.0f mariadbd_us=%.0f gateway_us=%.0f client_us=%.0f " \
        "other_us=%.0f\n",
        D["Questions"] + D["Com_stmt_prepare"], D["Questions"],
        D["Com_stmt_prepare"], D["Com_stmt_execute"],
        D["Com_stmt_close"], D["Com_select"], D["Com_set_option"],
        D["Com_commit"], D["Com_rollback"], D["cpu_service"] * us,
        D["cpu_mariadbd"] * us, D["cpu_gateway"] * us, client / calls * us,
        (D["cpu_machine"] - D["cpu_service"] - D["cpu_mariadbd"] - \
         D["cpu_gateway"]) * us - client / calls * us
    }'
}

# --- Write path -------------------------------------------------------------
raw="" rec="" import_out="" feed="" import_rate="" outcomes="" raw_import=""
declare -A line cost
if phase_on write; then
  # The orders' customers, created outside the measurements.
  "$bench_bin" create-customers --addr="127.0.0.1:$grpc_port" \
    --count=200 >"$work/order-customers.txt"
  # At each concurrency: same threads, same bounds, same database server.
  for wt in $write_threads; do
    crm_log "(a) raw INSERT transactions: $wt threads, $duration"
    measure env CRM_BENCH_DB_PASSWORD="$db_password" "$bench_bin" raw-insert \
      --port="$db_port" --user=crm_customer_profile \
      --password_env=CRM_BENCH_DB_PASSWORD --database=crm_customer_profile \
      --threads="$wt" --duration="$duration" --max_rows="$max_rows"
    line[raw_$wt]=$(grep '^mode=' <<<"$measured_out" || true)
    cost[raw_$wt]=$(per_call "$(field "${line[raw_$wt]}" rows)")
    echo "  ${line[raw_$wt]}"
    echo "  per call: ${cost[raw_$wt]}"
    crm_log "(b) RecordOrder over gRPC: $wt threads, $duration"
    measure "$bench_bin" record-order --addr="127.0.0.1:$grpc_port" \
      --names_file="$work/order-customers.txt" \
      --threads="$wt" --duration="$duration" --max_rows="$max_rows"
    line[rec_$wt]=$(grep '^mode=' <<<"$measured_out" || true)
    cost[rec_$wt]=$(per_call "$(field "${line[rec_$wt]}" rows)")
    echo "  ${line[rec_$wt]}"
    echo "  per call: ${cost[rec_$wt]}"
    crm_log "(b0) empty gRPC call (Health/Check), same caller: $wt threads, $duration"
    measure "$bench_bin" empty-call --addr="127.0.0.1:$grpc_port" \
      --threads="$wt" --duration="$duration" --max_rows="$max_rows"
    line[empty_$wt]=$(grep '^mode=' <<<"$measured_out" || true)
    cost[empty_$wt]=$(per_call "$(field "${line[empty_$wt]}" rows)")
    echo "  ${line[empty_$wt]}"
    echo "  per call: ${cost[empty_$wt]}"
  done
  first_wt=${write_threads%% *}
  raw=${line[raw_$first_wt]}
  rec=${line[rec_$first_wt]}
fi
if phase_on import; then
  crm_log "(c) import of $import_rows CSV rows via crm-import"
  "$bench_bin" gen-csv --rows="$import_rows" --seed=1 >"$work/customers.csv"
  crm_log "(c0) raw batched load of the same rows: multi-row INSERTs of $import_batch rows per transaction, $import_raw_threads threads"
  measure env CRM_BENCH_DB_PASSWORD="$db_password" "$bench_bin" raw-import \
    --port="$db_port" --user=crm_customer_profile \
    --password_env=CRM_BENCH_DB_PASSWORD --database=crm_customer_profile \
    --csv="$work/customers.csv" --threads="$import_raw_threads" \
    --batch="$import_batch"
  raw_import=$(grep '^mode=' <<<"$measured_out" || true)
  cost[raw_import]=$(per_call "$(field "$raw_import" rows)")
  echo "  $raw_import"
  echo "  per row: ${cost[raw_import]}"
  import_start=$(date +%s.%N)
  measure "$import_bin" --addr="127.0.0.1:$grpc_port" --progress=plain \
    --deadline="$import_timeout" --report="$work/import-report.csv" \
    "$work/customers.csv"
  import_out=$measured_out
  cost[import]=$(per_call "$import_rows")
  import_end=$(date +%s.%N)
  echo "  $import_out"
  echo "  per row: ${cost[import]}"
  import_seconds=$(awk -v a="$import_start" -v b="$import_end" 'BEGIN{printf "%.2f", b-a}')
  import_rate=$(awk -v n="$import_rows" -v s="$import_seconds" 'BEGIN{printf "%.1f", n/s}')
  outcomes=$(tail -n +2 "$work/import-report.csv" | cut -d, -f2 | sort | uniq -c |
    awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')
fi
if phase_on feed; then
  crm_log "(d) change-feed tail latency: $feed_orders orders, one at a time"
  feed=$("$bench_bin" feed-latency --addr="127.0.0.1:$grpc_port" \
    --orders="$feed_orders")
  echo "  $feed"
fi

# --- Read path --------------------------------------------------------------
names_file="$work/customer-names.txt"
if phase_on read || phase_on gateway || phase_on gateway-peer; then
  crm_log "creating $read_customers customers to read"
  "$bench_bin" create-customers --addr="127.0.0.1:$grpc_port" \
    --count="$read_customers" >"$names_file"
fi
# read_phase KEY LABEL CMD...: one measured load phase.
read_phase() {
  local key=$1 label=$2
  shift 2
  crm_log "$label"
  measure "$@"
  line[$key]=$(grep '^mode=' <<<"$measured_out" || true)
  cost[$key]=$(per_call "$(field "${line[$key]}" rows)")
  echo "  ${line[$key]}"
  echo "  per call: ${cost[$key]}"
}
if phase_on read; then
  read_phase raw_select "(e) raw primary-key SELECT: $read_concurrency threads, $duration" \
    env CRM_BENCH_DB_PASSWORD="$db_password" "$bench_bin" raw-select \
    --port="$db_port" --user=crm_customer_profile \
    --password_env=CRM_BENCH_DB_PASSWORD --database=crm_customer_profile \
    --names_file="$names_file" --threads="$read_concurrency" \
    --duration="$duration"
  read_phase get "(f) GetCustomer over gRPC: $read_concurrency threads, $duration" \
    "$bench_bin" get-customer --addr="127.0.0.1:$grpc_port" \
    --names_file="$names_file" --threads="$read_concurrency" \
    --duration="$duration"
  read_phase list "(g) ListCustomers (page_size $list_page_size) over gRPC: $read_concurrency threads, $duration" \
    "$bench_bin" list-customers --addr="127.0.0.1:$grpc_port" \
    --page_size="$list_page_size" --threads="$read_concurrency" \
    --duration="$duration"
fi

# --- Gateway vs direct ------------------------------------------------------
h2load_clients=$read_concurrency
wrk_threads=2
# h2load_get [PATH BODY]: GetCustomer of one customer from h2load (or the
# RPC at PATH with the framed request in file BODY); the framed request in
# $work/get-customer.bin, the per-request log in $work/h2load.log.
h2load_get() {
  h2load --duration="${duration%s}" --clients="$h2load_clients" \
    --threads=2 --max-concurrent-streams=1 \
    --header='content-type: application/grpc' --header='te: trailers' \
    --data="${2:-$work/get-customer.bin}" --log-file="$work/h2load.log" \
    "http://127.0.0.1:$grpc_port${1:-/crm.customerprofile.v1.CustomerProfileService/GetCustomer}" \
    >"$work/h2load.out" 2>&1
}
# The crm-bench report line of the last h2load_get: completed calls (HTTP
# 200 carrying a response message), rate, p50/p99 from its log.
h2load_line() { # [MODE]
  local done data seconds stats mode=${1:-h2load-get-customer}
  done=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$work/h2load.out")
  data=$(sed -n 's/^traffic: .*(\([0-9]*\)) data.*/\1/p' "$work/h2load.out")
  seconds=$(sed -n 's/^finished in \([0-9.]*\)s.*/\1/p' "$work/h2load.out")
  stats=$(awk -F'\t' '$2 == 200 {print $3}' "$work/h2load.log" | sort -n |
    awk '{v[NR] = $1} END {
      if (NR == 0) { print "p50_ms=0 p99_ms=0"; exit }
      i50 = int(0.50 * (NR - 1) + 0.5) + 1; i99 = int(0.99 * (NR - 1) + 0.5) + 1
      printf "p50_ms=%.2f p99_ms=%.2f", v[i50] / 1000, v[i99] / 1000 }')
  awk -v n="${done:-0}" -v s="${seconds:-0}" -v d="${data:-0}" -v c="$h2load_clients" -v st="$stats" -v m="$mode" 'BEGIN {
    printf "mode=%s clients=%d rows=%d errors=0 seconds=%.2f rate=%.1f %s data_bytes_per_call=%.1f\n",
      m, c, n, s, (s > 0 ? n / s : 0), st, (n > 0 ? d / n : 0) }'
}
# (j) The floor of a unary gRPC call on this server at the read concurrency
# (grpc.health.v1.Health/Check: no database, no service code) and (k)
# GetCustomer from the same load tool: what GetCustomer costs above gRPC.
if phase_on read && command -v h2load >/dev/null; then
  printf '\0\0\0\0\0' >"$work/health-check.bin"
  "$bench_bin" grpc-frame --name="$(head -n 1 "$names_file")" \
    >"$work/get-customer.bin"
  crm_log "(j) empty gRPC call (Health/Check) from h2load: $h2load_clients connections, $duration"
  measure h2load_get /grpc.health.v1.Health/Check "$work/health-check.bin"
  line[floor]=$(h2load_line h2load-health-check)
  cost[floor]=$(per_call "$(field "${line[floor]}" rows)")
  echo "  ${line[floor]}"
  echo "  per call: ${cost[floor]}"
  crm_log "(k) GetCustomer from h2load: $h2load_clients connections, one customer, $duration"
  measure h2load_get
  line[get_h2load]=$(h2load_line)
  cost[get_h2load]=$(per_call "$(field "${line[get_h2load]}" rows)")
  echo "  ${line[get_h2load]}"
  echo "  per call: ${cost[get_h2load]}"
  # (q) Profiles of the service and MariaDB under (k)'s load, when perf may
  # sample here: bench/results/perf-read-<UTC time>-{service,mariadbd}.txt.
  if [[ "$profile" != 0 ]] &&
    perf record -q -e cpu-clock -o "$work/perf-check.data" -- true >/dev/null 2>&1; then
    crm_log "(q) perf record -a -g for 5s under (k)'s load"
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    (duration=8s h2load_get) &
    profile_load=$!
    sleep 1
    perf record -q -a -e cpu-clock -F 999 -g -o "$work/perf-read.data" \
      -- sleep 5 >"$work/perf-read.log" 2>&1 ||
      crm_log "perf record failed: $(tail -n 1 "$work/perf-read.log")"
    wait "$profile_load" || true
    for who in service mariadbd; do
      case $who in
        service) pid=$service_pid ;;
        mariadbd) pid=$db_pid ;;
      esac
      {
        perf report --stdio --no-children --pid="$pid" --percentage relative \
          --sort dso,symbol -g none --percent-limit 0.3 \
          -i "$work/perf-read.data"
        perf report --stdio --children --pid="$pid" --percentage relative \
          --sort symbol -g caller,0.5,callee --percent-limit 2 \
          -i "$work/perf-read.data"
      } >"$results_dir/perf-read-$stamp-$who.txt" 2>/dev/null ||
        crm_log "perf report of the $who failed"
    done
    crm_log "profiles in ${results_dir#"$repo"/}/perf-read-$stamp-{service,mariadbd}.txt"
  fi
fi
if phase_on gateway; then
  crm_log "crm-gateway on 127.0.0.1:$gateway_port ($gateway_http_threads HTTP threads)"
  (
    export GATEWAY_HTTP_PORT=$gateway_port
    export GATEWAY_BIND_ADDRESS=127.0.0.1
    export GATEWAY_HTTP_THREADS=$gateway_http_threads
    export GATEWAY_LOG_LEVEL=warning
    export GATEWAY_API_KEYS=$bench_api_keys
    export GATEWAY_RATE_LIMIT_PER_KEY=0 GATEWAY_RATE_LIMIT_PER_ADDRESS=0
    export CUSTOMER_PROFILE_ADDR=127.0.0.1:$grpc_port
    # Not started by the benchmark; only customer routes are called.
    export SEGMENTATION_ADDR=127.0.0.1:$(free_port)
    export LOYALTY_ADDR=127.0.0.1:$(free_port)
    export FEEDBACK_ADDR=127.0.0.1:$(free_port)
    exec "$gateway_bin" </dev/null >>"$work/gateway.log" 2>&1
  ) &
  gateway_pid=$!
  first_name=$(head -n 1 "$names_file")
  deadline=$((SECONDS + 30))
  until [[ "$(api_status "http://127.0.0.1:$gateway_port/v1/$first_name")" == 200 ]]; do
    crm_pid_running "$gateway_pid" || {
      tail -n 20 "$work/gateway.log" >&2
      crm_die "crm-gateway exited during start-up"
    }
    ((SECONDS < deadline)) || crm_die "crm-gateway does not answer GET /v1/$first_name within 30s"
    sleep 0.2
  done
  "$bench_bin" grpc-frame --name="$first_name" >"$work/get-customer.bin"

  crm_log "(h) direct GetCustomer from h2load: $h2load_clients connections, one stream each, one customer, $duration"
  measure h2load_get
  line[direct]=$(h2load_line)
  cost[direct]=$(per_call "$(field "${line[direct]}" rows)")
  echo "  ${line[direct]}"
  echo "  per call: ${cost[direct]}"
  if awk -v d="$(field "${line[direct]}" data_bytes_per_call)" 'BEGIN{exit !(d < 6)}'; then
    tail -n 20 "$work/h2load.out" >&2
    crm_die "h2load's GetCustomer replies carry no message (gRPC errors?)"
  fi
  read_phase gateway "(i) GET /v1/customers/{id} through crm-gateway from wrk: $read_concurrency connections, $wrk_threads threads, $duration" \
    wrk --threads="$wrk_threads" --connections="$read_concurrency" \
    --duration="$duration" --script="$repo/bench/get_customer.lua" \
    "http://127.0.0.1:$gateway_port" -- "$names_file"

  # (p) Profiles under the load of (i), when perf may sample here.
  if [[ "$profile" != 0 ]] &&
    perf record -q -e cpu-clock -o "$work/perf-check.data" -- true >/dev/null 2>&1; then
    crm_log "(p) perf record -a -g for 5s under (i)'s load"
    wrk --threads="$wrk_threads" --connections="$read_concurrency" \
      --duration=8s --script="$repo/bench/get_customer.lua" \
      "http://127.0.0.1:$gateway_port" -- "$names_file" >/dev/null &
    profile_load=$!
    sleep 1
    # The whole machine, split by process afterwards: recording by PID
    # misses threads gRPC starts after the recorder attached.
    perf record -q -a -e cpu-clock -F 999 -g -o "$work/perf.data" \
      -- sleep 5 >"$work/perf.log" 2>&1 ||
      crm_log "perf record failed: $(tail -n 1 "$work/perf.log")"
    wait "$profile_load" || true
    # Per process: a flat profile by symbol, then the call graphs (the
    # Release build has no frame pointers: stacks through our code are
    # shallow).
    for who in gateway service mariadbd; do
      case $who in
        gateway) pid=$gateway_pid ;;
        service) pid=$service_pid ;;
        mariadbd) pid=$db_pid ;;
      esac
      {
        perf report --stdio --no-children --pid="$pid" --percentage relative \
          --sort dso,symbol \
          -g none --percent-limit 0.3 -i "$work/perf.data"
        perf report --stdio --no-children --pid="$pid" --percentage relative \
          --percent-limit 1 \
          -i "$work/perf.data"
      } >"$results_dir/perf-$who.txt" 2>/dev/null ||
        crm_log "perf report of the $who failed"
    done
    crm_log "profiles in ${results_dir#"$repo"/}/perf-{gateway,service,mariadbd}.txt"
  elif [[ "$profile" != 0 ]]; then
    crm_log "(p) skipped: perf cannot sample on this host"
  fi
fi

# (q) crm-gateway, grpc-gateway and direct gRPC side by side.
if phase_on gateway-peer; then
  # shellcheck source=bench/gateway_peer.sh
  source "$repo/bench/gateway_peer.sh"
  # Nothing else asked for: its own report is the result.
  [[ "$phases" == " gateway-peer " ]] && exit 0
fi

# Loyalty (earning from the feed, redemption under contention, the tier
# review of many members) and feedback (SubmitFeedback with text analysis),
# each against its raw reference, only when named; each writes its own
# report (bench/loyalty.sh, bench/feedback.sh).
if phase_on loyalty; then
  # shellcheck source=bench/loyalty.sh
  source "$repo/bench/loyalty.sh"
fi
if phase_on feedback; then
  # shellcheck source=bench/feedback.sh
  source "$repo/bench/feedback.sh"
fi
if phase_on segmentation; then
  # shellcheck source=bench/segmentation.sh
  source "$repo/bench/segmentation.sh"
fi
default_phase_named=false
for default_phase in write import feed read gateway; do
  phase_on "$default_phase" && default_phase_named=true
done
# Only these opt-in phases asked for: their own reports are the result.
"$default_phase_named" || exit 0

raw_rate=$(field "$raw" rate)
rec_rate=$(field "$rec" rate)
rec_ratio=$(ratio "$rec_rate" "$raw_rate")
import_ratio=$(ratio "$import_rate" "$(field "$raw_import" rate)")
get_ratio=$(ratio "$(field "${line[get]:-}" rate)" "$(field "${line[raw_select]:-}" rate)")
gateway_ratio=$(ratio "$(field "${line[gateway]:-}" rate)" "$(field "${line[direct]:-}" rate)")

report="$results_dir/report.md"
row() { # row LABEL WHAT LINE
  echo "| $1 | $2 | $(field "$3" rows) | $(field "$3" rate) | $(field "$3" p50_ms) | $(field "$3" p99_ms) |"
}
cost_row() { # cost_row LABEL KEY
  local c=${cost[$2]:-}
  [[ -n "$c" ]] || return 0
  echo "| $1 | $(field "$c" round_trips) | $(field "$c" questions) | $(field "$c" prepare) | $(field "$c" execute) | $(field "$c" close) | $(field "$c" select) | $(field "$c" set_option) | $(field "$c" commit) | $(field "$c" service_us) | $(field "$c" mariadbd_us) | $(field "$c" gateway_us) | $(field "$c" client_us) | $(field "$c" other_us) |"
}
{
  echo "# customer-profile benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname) ($(nproc) cores), MariaDB $(mariadbd --version 2>/dev/null | awk '{print $3}'), build \`$(basename "$build_dir")\`, phases:$phases"
  echo
  echo "crm-customer-profile RSS: $((idle_rss_kb / 1024)) MB idle after start, $(($(awk '/^VmRSS:/ {print $2}' "/proc/$service_pid/status" 2>/dev/null || echo 0) / 1024)) MB after the phases (goal: idle under 50 MB)"
  echo
  echo "| phase | what | rows | rate (rows/s) | p50 ms | p99 ms |"
  echo "|---|---|---|---|---|---|"
  if phase_on write; then
    for wt in $write_threads; do
      row "(a) raw" "single-row INSERT transactions, Connector/C++, $wt threads" "${line[raw_$wt]}"
      row "(b) RecordOrder" "gRPC unary calls, $wt threads" "${line[rec_$wt]}"
      row "(b0) empty gRPC call" "grpc.health.v1 Health/Check, the same blocking gRPC++ caller, $wt threads" "${line[empty_$wt]}"
    done
  fi
  phase_on import && row "(c0) raw load" "the same rows, multi-row INSERTs ($import_batch rows, customers + identifiers) per transaction, $import_raw_threads threads" "$raw_import"
  phase_on import && echo "| (c) import | crm-import of $import_rows CSV rows, one ImportCustomers stream | $import_rows | $import_rate | – | – |"
  phase_on feed && echo "| (d) feed tail | RecordOrder reply → its event on a tailing WatchChanges stream, one order at a time | $(field "$feed" rows) | – | $(field "$feed" p50_ms) | $(field "$feed" p99_ms) |"
  phase_on read && row "(e) raw select" "primary-key SELECT of a customers row, Connector/C++ prepared, $read_concurrency threads" "${line[raw_select]}"
  phase_on read && row "(f) GetCustomer" "gRPC unary calls (crm-bench), $read_concurrency threads, $read_customers customers" "${line[get]}"
  phase_on read && row "(g) ListCustomers" "gRPC unary calls, first page of $list_page_size, $read_concurrency threads" "${line[list]}"
  [[ -n "${line[floor]:-}" ]] && row "(j) empty gRPC call" "grpc.health.v1 Health/Check from h2load, $h2load_clients connections × 1 stream" "${line[floor]}"
  [[ -n "${line[get_h2load]:-}" ]] && row "(k) GetCustomer, h2load" "GetCustomer from h2load, $h2load_clients connections × 1 stream, one customer" "${line[get_h2load]}"
  phase_on gateway && row "(h) direct" "GetCustomer over gRPC from h2load, $h2load_clients connections × 1 stream, one customer" "${line[direct]}"
  phase_on gateway && row "(i) gateway" "GET /v1/customers/{id} via crm-gateway ($gateway_http_threads HTTP threads) from wrk, $read_concurrency connections, $read_customers customers" "${line[gateway]}"
  echo
  if phase_on read || phase_on gateway || phase_on import || phase_on write; then
    echo "Per call (status-counter deltas of the whole server and CPU time from /proc/PID/stat, over the phase, divided by its calls; CPU in µs, \"other processes\" = the whole machine's busy time minus the columns before it, i.e. interference; round trips = Questions + stmt prepare, as a stmt close gets no reply):"
    echo
    echo "| phase | round trips | Questions | stmt prepare | stmt execute | stmt close | Com_select | SET | commit | service CPU | mariadbd CPU | gateway CPU | load client CPU | other processes CPU |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for wt in $write_threads; do
      cost_row "(a) raw INSERT, $wt threads" "raw_$wt"
      cost_row "(b) RecordOrder, $wt threads" "rec_$wt"
      cost_row "(b0) empty gRPC call, $wt threads" "empty_$wt"
    done
    cost_row "(c0) raw load, per row" raw_import
    cost_row "(c) import, per row" import
    cost_row "(e) raw select" raw_select
    cost_row "(f) GetCustomer" get
    cost_row "(g) ListCustomers" list
    cost_row "(j) empty gRPC call (h2load)" floor
    cost_row "(k) GetCustomer (h2load)" get_h2load
    cost_row "(h) direct (h2load)" direct
    cost_row "(i) gateway (wrk)" gateway
    echo
  fi
  if phase_on write; then
    for wt in $write_threads; do
      echo "- RecordOrder / raw INSERT at $wt threads: **$(ratio "$(field "${line[rec_$wt]}" rate)" "$(field "${line[raw_$wt]}" rate)")** (goal ≥ 0.8); round trips per call $(field "${cost[rec_$wt]}" round_trips) vs $(field "${cost[raw_$wt]}" round_trips), service CPU $(field "${cost[rec_$wt]}" service_us) µs/call, mariadbd CPU $(field "${cost[rec_$wt]}" mariadbd_us) vs $(field "${cost[raw_$wt]}" mariadbd_us) µs/call"
      echo "  - empty gRPC call / raw INSERT at $wt threads: **$(ratio "$(field "${line[empty_$wt]}" rate)" "$(field "${line[raw_$wt]}" rate)")** (the most a gRPC write from this caller reaches here); RecordOrder / empty call: **$(ratio "$(field "${line[rec_$wt]}" rate)" "$(field "${line[empty_$wt]}" rate)")**"
    done
  fi
  phase_on import && echo "- import / raw batched load of the same rows: **$import_ratio** (goal ≥ 0.5)"
  phase_on import && echo "- import outcomes: $outcomes"
  phase_on read && echo "- GetCustomer / raw select: **$get_ratio** (goal ≥ 0.6)"
  [[ -n "${line[get_h2load]:-}" ]] && echo "- GetCustomer from h2load / raw select: **$(ratio "$(field "${line[get_h2load]}" rate)" "$(field "${line[raw_select]:-}" rate)")**; empty gRPC call from h2load / raw select: **$(ratio "$(field "${line[floor]}" rate)" "$(field "${line[raw_select]:-}" rate)")** (the most any gRPC read reaches here); GetCustomer / empty call (h2load): **$(ratio "$(field "${line[get_h2load]}" rate)" "$(field "${line[floor]}" rate)")**"
  phase_on gateway && echo "- gateway / direct GetCustomer: **$gateway_ratio** (goal ≥ 0.6); gateway CPU per request: **$(field "${cost[gateway]:-}" gateway_us) µs**"
  echo
  echo "Raw lines:"
  echo
  echo '```'
  for wt in $write_threads; do
    for l in "${line[raw_$wt]:-}" "${line[rec_$wt]:-}" "${line[empty_$wt]:-}"; do
      [[ -n "$l" ]] && echo "$l"
    done
  done
  for l in "$raw_import" "$import_out" "$feed" "${line[raw_select]:-}" \
    "${line[get]:-}" "${line[list]:-}" "${line[floor]:-}" "${line[get_h2load]:-}" \
    "${line[direct]:-}" "${line[gateway]:-}"; do
    [[ -n "$l" ]] && echo "$l"
  done
  echo '```'
} >"$report"
echo
cat "$report"
crm_log "report written to ${report#"$repo"/}"
