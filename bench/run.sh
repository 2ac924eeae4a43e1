#!/usr/bin/env bash
# The customer-profile benchmark (`make bench`): in one run, against one
# private MariaDB and the real crm-customer-profile binary,
#   (a) raw single-row INSERT transactions into an orders-shaped table from a
#       plain Connector/C++ client (crm-bench raw-insert),
#   (b) RecordOrder over gRPC at the same concurrency (crm-bench
#       record-order),
#   (c) a CSV import of BENCH_IMPORT_ROWS generated rows through crm-import,
#   (d) the change feed's tail latency: BENCH_FEED_ORDERS orders recorded one
#       at a time while a WatchChanges stream tails (crm-bench feed-latency),
# then prints and writes bench/results/report.md with the ratios
# RecordOrder/raw and import/raw and the feed latencies.
#
#   bench/run.sh [BUILD_DIR]          (default: build)
#
# Settings (environment): BENCH_THREADS (8), BENCH_DURATION (10s per load
# phase), BENCH_MAX_ROWS (200000 per load phase), BENCH_IMPORT_ROWS (100000),
# BENCH_IMPORT_TIMEOUT (15m), BENCH_FEED_ORDERS (200). Everything listens on 127.0.0.1 on free ports
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
duration=${BENCH_DURATION:-10s}
max_rows=${BENCH_MAX_ROWS:-200000}
import_rows=${BENCH_IMPORT_ROWS:-100000}
import_timeout=${BENCH_IMPORT_TIMEOUT:-15m}
feed_orders=${BENCH_FEED_ORDERS:-200}
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
db_dir="$work/mariadb"
db_port=$(free_port)
grpc_port=$(free_port)
admin_port=$(free_port)
service_pid=""
export CRM_MYSQL_ADMIN_PASSWORD
CRM_MYSQL_ADMIN_PASSWORD=$(crm_new_secret)

cleanup() {
  if [[ -n "$service_pid" ]] && crm_pid_running "$service_pid"; then
    kill -TERM "$service_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      crm_pid_running "$service_pid" || break
      sleep 0.1
    done
    crm_pid_running "$service_pid" && kill -KILL "$service_pid" 2>/dev/null || true
  fi
  "$repo/scripts/mariadb.sh" stop "$db_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
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
  export CUSTOMER_PROFILE_DB_POOL_SIZE=$((threads + 4))
  export CUSTOMER_PROFILE_LOG_LEVEL=warning
  CUSTOMER_PROFILE_PII_MASTER_KEYS="bench:$(head -c 32 /dev/urandom | base64 -w0)"
  export CUSTOMER_PROFILE_PII_MASTER_KEYS
  exec "$service_bin" </dev/null >>"$work/customer-profile.log" 2>&1
) &
service_pid=$!
deadline=$((SECONDS + 60))
until [[ "$(crm_http_status "http://127.0.0.1:$admin_port/readyz")" == 200 ]]; do
  crm_pid_running "$service_pid" || {
    tail -n 20 "$work/customer-profile.log" >&2
    crm_die "crm-customer-profile exited during start-up"
  }
  ((SECONDS < deadline)) || crm_die "crm-customer-profile not ready within 60s"
  sleep 0.2
done

# Same concurrency, same bounds, same database server.
crm_log "(a) raw INSERT transactions: $threads threads, $duration"
raw=$(CRM_BENCH_DB_PASSWORD=$db_password "$bench_bin" raw-insert \
  --port="$db_port" --user=crm_customer_profile \
  --password_env=CRM_BENCH_DB_PASSWORD --database=crm_customer_profile \
  --threads="$threads" --duration="$duration" --max_rows="$max_rows")
echo "  $raw"
crm_log "(b) RecordOrder over gRPC: $threads threads, $duration"
rec=$("$bench_bin" record-order --addr="127.0.0.1:$grpc_port" \
  --threads="$threads" --duration="$duration" --max_rows="$max_rows")
echo "  $rec"
crm_log "(c) import of $import_rows CSV rows via crm-import"
"$bench_bin" gen-csv --rows="$import_rows" --seed=1 >"$work/customers.csv"
import_start=$(date +%s.%N)
import_out=$("$import_bin" --addr="127.0.0.1:$grpc_port" --progress=plain \
  --deadline="$import_timeout" --report="$work/import-report.csv" \
  "$work/customers.csv")
import_end=$(date +%s.%N)
echo "  $import_out"
crm_log "(d) change-feed tail latency: $feed_orders orders, one at a time"
feed=$("$bench_bin" feed-latency --addr="127.0.0.1:$grpc_port" \
  --orders="$feed_orders")
echo "  $feed"

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
raw_rate=$(field "$raw" rate)
rec_rate=$(field "$rec" rate)
import_seconds=$(awk -v a="$import_start" -v b="$import_end" 'BEGIN{printf "%.2f", b-a}')
import_rate=$(awk -v n="$import_rows" -v s="$import_seconds" 'BEGIN{printf "%.1f", n/s}')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.3f", a/b; else print "n/a" }'; }
rec_ratio=$(ratio "$rec_rate" "$raw_rate")
import_ratio=$(ratio "$import_rate" "$raw_rate")
outcomes=$(tail -n +2 "$work/import-report.csv" | cut -d, -f2 | sort | uniq -c |
  awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')

report="$results_dir/report.md"
{
  echo "# customer-profile benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname) ($(nproc) cores), MariaDB $(mariadbd --version 2>/dev/null | awk '{print $3}'), build \`$(basename "$build_dir")\`"
  echo
  echo "| phase | what | rows | rate (rows/s) | p50 ms | p99 ms |"
  echo "|---|---|---|---|---|---|"
  echo "| (a) raw | single-row INSERT transactions, Connector/C++, $threads threads | $(field "$raw" rows) | $raw_rate | $(field "$raw" p50_ms) | $(field "$raw" p99_ms) |"
  echo "| (b) RecordOrder | gRPC unary calls, $threads threads | $(field "$rec" rows) | $rec_rate | $(field "$rec" p50_ms) | $(field "$rec" p99_ms) |"
  echo "| (c) import | crm-import of $import_rows CSV rows, one ImportCustomers stream | $import_rows | $import_rate | – | – |"
  echo "| (d) feed tail | RecordOrder reply → its event on a tailing WatchChanges stream, one order at a time | $(field "$feed" rows) | – | $(field "$feed" p50_ms) | $(field "$feed" p99_ms) |"
  echo
  echo "- RecordOrder / raw INSERT: **$rec_ratio**"
  echo "- import / raw INSERT: **$import_ratio**"
  echo "- import outcomes: $outcomes"
  echo
  echo "Raw lines:"
  echo
  echo '```'
  echo "$raw"
  echo "$rec"
  echo "$import_out"
  echo "$feed"
  echo '```'
} >"$report"
echo
cat "$report"
crm_log "report written to ${report#"$repo"/}"
