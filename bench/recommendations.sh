#!/usr/bin/env bash
# Offline evaluation of the product recommendations against a popularity
# baseline (crm-recommendation-eval, bench/recommendation_eval.cc): generated
# baskets with planted associations, then the demo data set. No database;
# about a second.
#
#   bench/recommendations.sh [BUILD_DIR]                  (default: build)
#   BENCH_REC_CUSTOMERS=20000 bench/recommendations.sh build
#
# Writes bench/results/recommendations-<UTC time>.md.
set -euo pipefail
repo_root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(cd "${1:-$repo_root/build}" && pwd)
eval_bin=$build_dir/bench/crm-recommendation-eval
[[ -x $eval_bin ]] || { echo "missing $eval_bin (build first)" >&2; exit 1; }
customers=${BENCH_REC_CUSTOMERS:-5000}
demo_customers=${BENCH_REC_DEMO_CUSTOMERS:-3000}
mkdir -p "$repo_root/bench/results"
report=$repo_root/bench/results/recommendations-$(date -u +%Y%m%dT%H%M%SZ).md
generated=$("$eval_bin" --data=generated --customers="$customers")
demo=$("$eval_bin" --data=demo --customers="$demo_customers")
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
row() {
  echo "| $(field "$1" data) | $(field "$1" customers) | $(field "$1" hit_rate_at_10) | $(field "$1" popular_hit_rate_at_10) | $(field "$1" precision_at_10) | $(field "$1" popular_precision_at_10) | $(field "$1" planted_found)$( [[ -n $(field "$1" planted_pairs) ]] && echo " of $(field "$1" planted_pairs)") |"
}
{
  echo "# Recommendations, offline (cut-off at 80% of the time span)"
  echo
  echo "| data | customers evaluated | hit rate@10 | popular hit rate@10 | precision@10 | popular precision@10 | planted pairs found first |"
  echo "|---|---|---|---|---|---|---|"
  row "$generated"
  row "$demo"
  echo
  echo '```'
  echo "$generated"
  echo "$demo"
  echo '```'
} | tee "$report"
echo "report: $report"
