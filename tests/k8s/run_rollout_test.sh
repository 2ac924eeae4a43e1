#!/usr/bin/env bash
# Runs tests/k8s/rollout_test.py (a rolling update of each gRPC service
# under load: SIGTERM to the old instance, zero failed calls expected) with
# the binaries of a build tree and its own MariaDB on free ports.
#
#   tests/k8s/run_rollout_test.sh [BUILD_DIR [TEST_NAME...]]
#                                  (default: build-test, every test)
#
# Under a minute; in `make test` as CTest k8s_rollout_gateway and
# k8s_rollout_services. The services pass thanks to their lame-duck phase
# (k8s/README.md, "Rollout without failed calls").
set -euo pipefail
repo_root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$(cd "${1:-$repo_root/build-test}" && pwd)
shift || true

export CRM_E2E_SCRIPTS=$repo_root/scripts
export CRM_E2E_BUILD_DIR=$build_dir
export CRM_E2E_GOOGLEAPIS=$repo_root/protos/googleapis/node_modules/google-proto-files
export CRM_E2E_BIN_GATEWAY=$build_dir/gateway/crm-gateway
for name in customer_profile segmentation loyalty feedback; do
  export "CRM_E2E_BIN_${name^^}=$build_dir/services/$name/crm-${name//_/-}"
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0}
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 "$repo_root/tests/k8s/rollout_test.py" "$@"
