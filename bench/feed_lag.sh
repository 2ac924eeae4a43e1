#!/usr/bin/env bash
# Feed lag under a steady order rate (bench/feed_lag.py), with the binaries
# of a build tree.
#
#   bench/feed_lag.sh [BUILD_DIR]     (default: build)
#   BENCH_LAG_RATE=1000 BENCH_LAG_DURATION=20s bench/feed_lag.sh build
#   BENCH_LAG_FOLLOWERS=segmentation bench/feed_lag.sh build   (one consumer)
set -euo pipefail
repo_root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(cd "${1:-$repo_root/build}" && pwd)
export CRM_E2E_SCRIPTS=$repo_root/scripts
export CRM_E2E_BUILD_DIR=$build_dir
export CRM_E2E_GOOGLEAPIS=$repo_root/protos/googleapis/node_modules/google-proto-files
export CRM_E2E_BIN_GATEWAY=$build_dir/gateway/crm-gateway
for name in customer_profile segmentation loyalty feedback; do
  export "CRM_E2E_BIN_${name^^}=$build_dir/services/$name/crm-${name//_/-}"
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 "$repo_root/bench/feed_lag.py"
