#!/usr/bin/env bash
# CTest entry for the Kubernetes manifests: renders every overlay with
# `kubectl kustomize`, validates the objects' schemas offline and runs the
# policy checks, including their broken copies (manifest_checks_test.mjs);
# checks that the Dockerfile keeps up with install-deps.sh (dockerfile_test.mjs)
# and that k8s/vitess agrees with the migrations (vschema_test.mjs).
#
#   tests/k8s/run_manifest_tests.sh [TEST_FILE.mjs...]
#
# (default: the three above; CTest k8s_settings runs settings_test.mjs with
# the built binaries).
#
# Exits 77 (CTest: skipped) when kubectl is missing; kustomize components
# need kubectl >= 1.27 (Debian's kubernetes-client 1.20 is too old). The npm
# packages come from scripts/install-deps.sh (`npm ci` in tests/k8s).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v kubectl >/dev/null 2>&1; then
  echo "SKIPPED: kubectl is not installed; the manifests were not rendered or checked" >&2
  exit 77
fi
minor=$(kubectl version --client -o json 2>/dev/null |
  sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n 1)
if [[ -z "$minor" || "$minor" -lt 27 ]]; then
  echo "SKIPPED: kubectl client minor version '${minor:-?}' < 27: its kustomize cannot render components" >&2
  exit 77
fi
if [[ ! -d "$here/node_modules/kubernetes-models" ]]; then
  echo "tests/k8s/node_modules is missing: run scripts/install-deps.sh" >&2
  exit 1
fi
cd "$here"
files=("$@")
[[ ${#files[@]} -gt 0 ]] || files=(manifest_checks_test.mjs dockerfile_test.mjs vschema_test.mjs)
exec node --test --test-reporter=spec "${files[@]}"
