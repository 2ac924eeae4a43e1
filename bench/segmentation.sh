#!/usr/bin/env bash
# The segmentation benchmark (BENCH_PHASES=segmentation of bench/run.sh; not
# in the default run). Run on its own:
#
#   bench/segmentation.sh [BUILD_DIR]        (default: build)
#   BENCH_SEG_CUSTOMERS=100000 BENCH_SEG_ORDERS=1000000 bench/segmentation.sh
#
# which runs bench/run.sh with BENCH_PHASES=segmentation (a private MariaDB
# on a free port, every database provisioned, state in a temporary directory
# removed at the end). Against crm_segmentation (its migrations applied by
# `crm-segmentation --migrate_only`), in one run:
#
#   seed   crm-segmentation-bench seed: BENCH_SEG_CUSTOMERS (1,000,000)
#          customers and exactly BENCH_SEG_ORDERS (10,000,000) orders written
#          directly into the read-model tables with multi-row INSERTs, the
#          aggregates computed from the orders by the service's own
#          AggregateOrders, fixed seed BENCH_SEG_SEED (1); five segments;
#   (s0)   the reference: one unbuffered SELECT (mysql_use_result) of every
#          aggregate row with its spend rows through Connector/C++, every
#          column read (crm-segmentation-bench stream), run twice, the
#          second (warm) one is the reference;
#   (s1)   ScoringManager::RecomputeScores in the bench process, wired as the
#          service wires it (MySQL repositories, membership batch hook,
#          outbox feed writer), batches of BENCH_SEG_BATCH (2,000) scored by
#          BENCH_SEG_WORKERS (2) threads: the first
#          recompute, which stores every score, transition, membership and
#          feed event;
#   (s1b)  the same again in the same process with nothing changed;
#   (s2)   ScoringManager::FitClvModel as of now (crm-segmentation-bench fit),
#          stopped after BENCH_SEG_FIT_TIMEOUT seconds (600; then (s3) is
#          skipped and the report says so);
#   (s3)   RecomputeScores once more, now with the CLV model (each batch also
#          reads its customers' orders);
#
# each with MariaDB status-counter deltas (round trips per customer = (Questions
# + Com_stmt_prepare) / customers, InnoDB rows read and written), the CPU of
# the bench process and of mariadbd, and the peak RSS (VmHWM) of the process
# doing the scoring. The InnoDB buffer pool is set to BENCH_SEG_BUFFER_POOL
# (4G) first (the server's default of 128M would measure the disk). Each
# step stops after BENCH_SEG_TIMEOUT seconds (1200). Writes
# bench/results/segmentation-<UTC time>.md.
#
# Sourced by bench/run.sh after customer-profile is up; uses its helpers
# (find_binary, crm_secret_get, db_admin, cpu_ticks, ratio, field) and
# variables (repo, work, results_dir, db_port, db_pid, build_dir, clk_tck).

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  BENCH_PHASES=segmentation exec "$(cd "$(dirname "$0")" && pwd)/run.sh" "$@"
fi

seg_bin=$(find_binary crm-segmentation)
seg_bench_bin=$(find_binary crm-segmentation-bench)
seg_customers=${BENCH_SEG_CUSTOMERS:-1000000}
seg_orders=${BENCH_SEG_ORDERS:-10000000}
seg_seed=${BENCH_SEG_SEED:-1}
seg_batch=${BENCH_SEG_BATCH:-2000}
seg_workers=${BENCH_SEG_WORKERS:-2}
seg_buffer_pool=${BENCH_SEG_BUFFER_POOL:-4G}
seg_timeout=${BENCH_SEG_TIMEOUT:-1200}
seg_fit_timeout=${BENCH_SEG_FIT_TIMEOUT:-600}
seg_db_password=$(crm_secret_get "$work/secrets.env" SEGMENTATION_DB_PASSWORD)
export CRM_BENCH_SEG_DB_PASSWORD=$seg_db_password
seg_flags=(--port="$db_port" --user=crm_segmentation
  --password_env=CRM_BENCH_SEG_DB_PASSWORD --database=crm_segmentation)
declare -A sline

crm_log "segmentation: migrations (crm-segmentation --migrate_only)"
SEGMENTATION_DB_HOST=127.0.0.1 SEGMENTATION_DB_PORT=$db_port \
  SEGMENTATION_DB_USER=crm_segmentation \
  SEGMENTATION_DB_PASSWORD=$seg_db_password SEGMENTATION_MIGRATE_ONLY=true \
  SEGMENTATION_LOG_LEVEL=warning "$seg_bin" </dev/null >>"$work/segmentation.log" 2>&1 ||
  crm_die "crm-segmentation --migrate_only failed: $(tail -n 5 "$work/segmentation.log")"
db_admin "SET GLOBAL innodb_buffer_pool_size = $(numfmt --from=iec "$seg_buffer_pool")"
buffer_pool_now=$(db_admin "SELECT @@innodb_buffer_pool_size")
crm_log "segmentation: InnoDB buffer pool $((buffer_pool_now / 1048576)) MB"

# seg_step KEY CMD...: one bench command under the step timeout; its report
# lines (those starting with mode=) in sout[KEY].
declare -A sout
seg_step() {
  local key=$1 out
  shift
  out=$(timeout "$seg_timeout" "$@" --db_pid="$db_pid") ||
    crm_die "segmentation step $key failed or timed out (${seg_timeout}s): $out"
  sout[$key]=$(grep '^mode=' <<<"$out" || true)
  echo "$out" | sed 's/^/  /'
}

crm_log "segmentation: seeding $seg_customers customers and $seg_orders orders (seed $seg_seed)"
seg_step seed "$seg_bench_bin" seed "${seg_flags[@]}" \
  --customers="$seg_customers" --orders="$seg_orders" --seed="$seg_seed"
seg_sizes=$(db_admin "SELECT CONCAT(table_name, '=', ROUND((data_length + index_length) / 1048576), 'MB') FROM information_schema.tables WHERE table_schema = 'crm_segmentation' AND table_name IN ('read_model_customers', 'read_model_orders', 'read_model_aggregates', 'read_model_spend') ORDER BY table_name" | paste -sd' ')
echo "  table sizes: $seg_sizes"

crm_log "(s0) streaming every aggregate row out of MariaDB (twice; the second is the reference)"
seg_step stream_cold "$seg_bench_bin" stream "${seg_flags[@]}"
seg_step stream "$seg_bench_bin" stream "${seg_flags[@]}"

crm_log "(s1, s1b) RecomputeScores twice in one process, batches of $seg_batch"
seg_step recompute "$seg_bench_bin" recompute "${seg_flags[@]}" --runs=2 \
  --batch="$seg_batch" --workers="$seg_workers" --label=s1
sline[s1]=$(grep ' run=1 ' <<<"${sout[recompute]}" || true)
sline[s1b]=$(grep ' run=2 ' <<<"${sout[recompute]}" || true)

crm_log "(s2) FitClvModel (stopped after ${seg_fit_timeout}s)"
seg_fit_start=$SECONDS
if seg_fit_out=$(timeout "$seg_fit_timeout" "$seg_bench_bin" fit "${seg_flags[@]}" --db_pid="$db_pid"); then
  sline[s2]=$(grep '^mode=' <<<"$seg_fit_out" || true)
  echo "  ${sline[s2]}"
  crm_log "(s3) RecomputeScores with the CLV model"
  seg_step recompute_clv "$seg_bench_bin" recompute "${seg_flags[@]}" --runs=1 \
    --batch="$seg_batch" --workers="$seg_workers" --label=s3
  sline[s3]=${sout[recompute_clv]}
else
  seg_fit_note="FitClvModel did not finish within ${seg_fit_timeout} s (stopped after $((SECONDS - seg_fit_start)) s); (s3) not run"
  crm_log "$seg_fit_note"
fi
sline[s0]=${sout[stream]}
sline[s0cold]=${sout[stream_cold]}
sline[seed]=${sout[seed]}
seg_counts=$(db_admin "SELECT CONCAT('scores=', (SELECT COUNT(*) FROM crm_segmentation.customer_scores), ' transitions=', (SELECT COUNT(*) FROM crm_segmentation.lifecycle_transitions), ' memberships=', (SELECT COUNT(*) FROM crm_segmentation.segment_memberships), ' membership_changes=', (SELECT COUNT(*) FROM crm_segmentation.segment_membership_changes), ' feed_events=', (SELECT COUNT(*) FROM crm_segmentation.change_feed_events))")
echo "  $seg_counts"

# --- Report ------------------------------------------------------------------
seg_report="$results_dir/segmentation-$(date -u +%Y%m%dT%H%M%SZ).md"
s0_seconds=$(field "${sline[s0]}" seconds)
mb() { awk -v k="$1" 'BEGIN{ if (k > 0) printf "%.0f", k / 1024; else print "n/a" }'; }
srow() { # srow LABEL WHAT LINE
  local l=$3
  echo "| $1 | $2 | $(field "$l" customers) | $(field "$l" seconds) | $(ratio "$(field "$l" seconds)" "$s0_seconds") | $(field "$l" per_customer_round_trips) | $(field "$l" rows_read) | $(field "$l" rows_written) | $(field "$l" cpu_seconds) | $(field "$l" mariadbd_cpu_seconds) | $(mb "$(field "$l" hwm_kb)") |"
}
{
  echo "# segmentation benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname) ($(nproc) cores), MariaDB $(mariadbd --version 2>/dev/null | awk '{print $3}'), build \`$(basename "$build_dir")\`, InnoDB buffer pool $((buffer_pool_now / 1048576)) MB, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "Read model: $(field "${sline[seed]}" customers) customers, $(field "${sline[seed]}" orders) orders, $(field "${sline[seed]}" aggregates) aggregates, $(field "${sline[seed]}" spend_rows) spend rows (seed $seg_seed, written in $(field "${sline[seed]}" seconds) s); $seg_sizes; five segments. Scoring in the bench process through ScoringManager (not over gRPC), batches of $seg_batch customers."
  echo
  echo "| step | what | customers | seconds | × s0 | round trips / customer | handler rows read | handler rows written | bench CPU s | mariadbd CPU s | peak RSS MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  srow "(s0) stream, cold" "unbuffered SELECT of every aggregate row + spend, every column read (first pass)" "${sline[s0cold]}"
  srow "(s0) stream" "the same, second pass: **the reference**" "${sline[s0]}"
  srow "(s1) recompute" "RecomputeScores, first: every score, transition, membership, feed event written" "${sline[s1]}"
  srow "(s1b) recompute again" "RecomputeScores, nothing changed" "${sline[s1b]}"
  srow "(s2) fit" "FitClvModel (BG/NBD + Gamma-Gamma) as of now" "${sline[s2]:-}"
  srow "(s3) recompute with CLV" "RecomputeScores with the model (orders read per batch)" "${sline[s3]:-}"
  echo
  echo "- s1 / s0: **$(ratio "$(field "${sline[s1]}" seconds)" "$s0_seconds")**, s1b / s0: **$(ratio "$(field "${sline[s1b]}" seconds)" "$s0_seconds")** (goal ≤ 1.5)"
  [[ -n "${seg_fit_note:-}" ]] && echo "- $seg_fit_note"
  echo "- after the runs: $seg_counts"
  echo "- peak RSS (VmHWM) of the scoring process over s1 + s1b: $(mb "$(field "${sline[s1b]}" hwm_kb)") MB; of the fitting process: $(mb "$(field "${sline[s2]:-}" hwm_kb)") MB"
  echo
  echo "Raw lines:"
  echo
  echo '```'
  for k in seed s0cold s0 s1 s1b s2 s3; do
    [[ -n "${sline[$k]:-}" ]] && echo "${sline[$k]}"
  done
  echo '```'
} >"$seg_report"
echo
cat "$seg_report"
crm_log "segmentation report written to ${seg_report#"$repo"/}"
