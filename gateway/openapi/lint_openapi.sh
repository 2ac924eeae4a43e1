#!/usr/bin/env bash
# Lints the gateway's OpenAPI document with Redocly CLI (pinned in
# gateway/web-vendor/package.json; scripts/install-deps.sh runs `npm ci`).
#
#   gateway/openapi/lint_openapi.sh <path to crm-openapi> [work dir]
set -euo pipefail
tool="$1"
work_dir="${2:-$(mktemp -d)}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vendor="$here/../web-vendor"
if [[ ! -x "$vendor/node_modules/.bin/redocly" ]]; then
  echo "lint_openapi: $vendor/node_modules/.bin/redocly is missing:" \
    "run scripts/install-deps.sh (it runs npm ci in gateway/web-vendor)" >&2
  exit 1
fi
mkdir -p "$work_dir"
"$tool" > "$work_dir/openapi.json"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1
cd "$vendor"
exec npx --no-install redocly lint --config "$here/redocly.yaml" \
  --format=codeframe "$work_dir/openapi.json"
