# The feedback phase of bench/run.sh (BENCH_PHASES=feedback; not in the
# default run): the real crm-feedback on the run's MariaDB, the texts of
# tests/unit/feedback/data/labelled_feedback.tsv (128 Chinese, 120 English,
# 60 mixed; BENCH_FEEDBACK_TEXTS names another file of that format), in one
# run:
#
#   (f0) raw          single-row INSERT transactions (autocommit) of the same
#                     rows into the service's own `feedback` table, every
#                     column it writes, the language and analysis columns
#                     copied from the service's own analysis of each text
#                     (crm-feedback-bench warm-up submits each text once
#                     first, unmeasured), BENCH_FEEDBACK_THREADS (8) threads
#                     (crm-feedback-bench raw-feedback): the reference;
#   (f1) submit       SubmitFeedback calls at the same concurrency, each with
#                     a request_id (idempotency), the text analysed by the
#                     service (language, sentiment, category, evidence), the
#                     row written and, for negative items, the hourly
#                     complaint counter of its category bumped and the spike
#                     rule checked (crm-feedback-bench submit-feedback);
#
# both for BENCH_DURATION, with round trips and CPU per call (crm-feedback's
# CPU included). Writes bench/results/feedback-<UTC time>.md.
#
# Sourced by bench/run.sh after customer-profile is up; uses its helpers
# (find_binary, free_port, stop_pid, cpu_ticks, field, ratio, measure,
# per_call) and variables (repo, work, results_dir, db_port, duration,
# build_dir, clk_tck). Sets feedback_pid while crm-feedback runs (run.sh's
# cleanup stops it).

feedback_bin=$(find_binary crm-feedback)
feedback_bench_bin=$(find_binary crm-feedback-bench)
feedback_threads=${BENCH_FEEDBACK_THREADS:-8}
feedback_texts=${BENCH_FEEDBACK_TEXTS:-$repo/tests/unit/feedback/data/labelled_feedback.tsv}
feedback_db_password=$(crm_secret_get "$work/secrets.env" FEEDBACK_DB_PASSWORD)
export CRM_BENCH_FEEDBACK_DB_PASSWORD=$feedback_db_password
declare -A fline fcost fcpu

crm_log "feedback: crm-feedback on the run's MariaDB"
feedback_grpc_port=$(free_port)
feedback_admin_port=$(free_port)
(
  export FEEDBACK_GRPC_PORT=$feedback_grpc_port
  export FEEDBACK_ADMIN_PORT=$feedback_admin_port
  export FEEDBACK_BIND_ADDRESS=127.0.0.1
  export FEEDBACK_DB_HOST=127.0.0.1 FEEDBACK_DB_PORT=$db_port
  export FEEDBACK_DB_USER=crm_feedback FEEDBACK_DB_PASSWORD=$feedback_db_password
  export FEEDBACK_DB_POOL_SIZE=$((feedback_threads + 4))
  export FEEDBACK_LOG_LEVEL=warning
  exec "$feedback_bin" </dev/null >>"$work/feedback.log" 2>&1
) &
feedback_pid=$!
wait_ready crm-feedback "$feedback_pid" "$feedback_admin_port" \
  "$work/feedback.log"
"$feedback_bench_bin" warm-up --addr="127.0.0.1:$feedback_grpc_port" \
  --texts_file="$feedback_texts" >/dev/null

# feedback_phase KEY LABEL CMD...: one measured phase with crm-feedback's CPU.
feedback_phase() {
  local key=$1 label=$2 ticks
  shift 2
  crm_log "$label"
  ticks=$(cpu_ticks "$feedback_pid")
  measure "$@"
  fline[$key]=$(grep '^mode=' <<<"$measured_out" || true)
  [[ -n "${fline[$key]}" ]] || crm_die "$label failed: $measured_out"
  fcost[$key]=$(per_call "$(field "${fline[$key]}" rows)")
  fcpu[$key]=$(awk -v t="$(($(cpu_ticks "$feedback_pid") - ticks))" \
    -v n="$(field "${fline[$key]}" rows)" -v k="$clk_tck" \
    'BEGIN{ if (n > 0) printf "%.0f", t * 1e6 / k / n; else print "n/a" }')
  echo "  ${fline[$key]}"
  echo "  per call: ${fcost[$key]} feedback_us=${fcpu[$key]}"
}
feedback_phase raw "(f0) raw single-row INSERT transactions into feedback: $feedback_threads threads, $duration" \
  "$feedback_bench_bin" raw-feedback --port="$db_port" --user=crm_feedback \
  --password_env=CRM_BENCH_FEEDBACK_DB_PASSWORD --database=crm_feedback \
  --texts_file="$feedback_texts" --threads="$feedback_threads" \
  --duration="$duration"
feedback_phase submit "(f1) SubmitFeedback over gRPC: $feedback_threads threads, $duration" \
  "$feedback_bench_bin" submit-feedback --addr="127.0.0.1:$feedback_grpc_port" \
  --texts_file="$feedback_texts" --threads="$feedback_threads" \
  --duration="$duration"
stop_pid "$feedback_pid"
feedback_pid=""

feedback_report="$results_dir/feedback-$(date -u +%Y%m%dT%H%M%SZ).md"
frow() { # frow LABEL WHAT LINE
  echo "| $1 | $2 | $(field "$3" rows) | $(field "$3" rate) | $(field "$3" p50_ms) | $(field "$3" p99_ms) |"
}
fcost_row() { # fcost_row LABEL COST FEEDBACK_US
  echo "| $1 | $(field "$2" round_trips) | $(field "$2" commit) | ${3:-–} | $(field "$2" mariadbd_us) | $(field "$2" client_us) | $(field "$2" other_us) |"
}
{
  echo "# feedback benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname) ($(nproc) cores), MariaDB $(mariadbd --version 2>/dev/null | awk '{print $3}'), build \`$(basename "$build_dir")\`, texts \`${feedback_texts#"$repo"/}\`, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| phase | what | rows | rate (/s) | p50 ms | p99 ms |"
  echo "|---|---|---|---|---|---|"
  frow "(f0) raw" "single-row INSERT transactions of the same rows into \`feedback\`, $feedback_threads threads" "${fline[raw]}"
  frow "(f1) SubmitFeedback" "gRPC unary calls with text analysis, $feedback_threads threads" "${fline[submit]}"
  echo
  echo "| phase | round trips | commits | crm-feedback CPU µs | mariadbd CPU µs | load client CPU µs | other processes CPU µs |"
  echo "|---|---|---|---|---|---|---|"
  fcost_row "(f0) raw INSERT" "${fcost[raw]}"
  fcost_row "(f1) SubmitFeedback" "${fcost[submit]}" "${fcpu[submit]}"
  echo
  echo "- SubmitFeedback / raw INSERT of the same rows: **$(ratio "$(field "${fline[submit]}" rate)" "$(field "${fline[raw]}" rate)")**"
  echo "- SubmitFeedback p50 by the text's language: zh $(field "${fline[submit]}" zh_p50_ms) ms ($(field "${fline[submit]}" zh_calls) calls), en $(field "${fline[submit]}" en_p50_ms) ms ($(field "${fline[submit]}" en_calls)), mixed $(field "${fline[submit]}" mixed_p50_ms) ms ($(field "${fline[submit]}" mixed_calls)); $(field "${fline[submit]}" negative) replies NEGATIVE"
  echo
  echo "Raw lines:"
  echo
  echo '```'
  echo "${fline[raw]}"
  echo "${fline[submit]}"
  echo '```'
} >"$feedback_report"
echo
cat "$feedback_report"
crm_log "feedback report written to ${feedback_report#"$repo"/}"
