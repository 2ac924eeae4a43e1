#!/usr/bin/env bash
# The customer 360 view's latency next to its backend calls
# (bench/customer_view.py), with the binaries of a build tree.
#
#   bench/customer_view.sh [BUILD_DIR]     (default: build)
#   BENCH_VIEW_CALLS=1000 bench/customer_view.sh build
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
exec /usr/bin/python3 "$repo_root/bench/customer_view.py"
