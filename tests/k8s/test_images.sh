#!/usr/bin/env bash
# Checks the OCI archives scripts/build-images.sh wrote: unpacks each
# image's layers into an empty directory and runs its binary from there with
# chroot (as uid 65532, empty environment), so only the image's own files
# are used; checks the image configuration (user, entrypoint, labels, ports)
# and the files every image must carry (CA certificates, tzdata, passwd).
# The gateway is also started from its root and answers /healthz and its
# /docs assets, then stops on SIGTERM with exit status 0.
#
#   tests/k8s/test_images.sh [IMAGES_DIR]     (default: build/images)
#
# Run by `make test-images` after `make images`; needs root (chroot).
# Prints "N passed, N failed" and exits 1 if any image failed.
set -euo pipefail
repo_root=$(cd "$(dirname "$0")/../.." && pwd)
images_dir=${1:-$repo_root/build/images}
python=/usr/bin/python3
chroot_bin=$(command -v chroot)

[[ $(id -u) -eq 0 ]] || { echo "test_images: needs root for chroot" >&2; exit 1; }
shopt -s nullglob
archives=("$images_dir"/crm-*.tar)
[[ ${#archives[@]} -gt 0 ]] || { echo "test_images: no crm-*.tar in $images_dir: run make images" >&2; exit 1; }

work=$(mktemp -d)
gateway_pid=""
cleanup() {
  [[ -n "$gateway_pid" ]] && kill "$gateway_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
fail() {
  echo "FAIL $image: $*"
  image_ok=false
}

# unpack ARCHIVE DIR: extracts the OCI layout to DIR/oci, the layers in
# order to DIR/root, and the image config to DIR/config.json.
unpack() {
  local archive=$1 dir=$2
  mkdir -p "$dir/oci" "$dir/root"
  tar -xf "$archive" -C "$dir/oci"
  "$python" - "$dir" <<'PY'
import json, subprocess, sys
d = sys.argv[1]
blob = lambda digest: f"{d}/oci/blobs/" + digest.replace(":", "/", 1)
index = json.load(open(f"{d}/oci/index.json"))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
for layer in manifest["layers"]:
    subprocess.run(["tar", "-xf", blob(layer["digest"]), "-C", f"{d}/root"], check=True)
with open(f"{d}/config.json", "w") as out:
    out.write(open(blob(manifest["config"]["digest"])).read())
PY
}

# config_value DIR PYTHON_EXPR: evaluates EXPR over the image config `c`.
config_value() {
  "$python" -c "import json,sys; c=json.load(open(sys.argv[1]))['config']; print($2)" "$1/config.json"
}

for archive in "${archives[@]}"; do
  image=$(basename "$archive" .tar)
  name=${image#crm-}
  dir=$work/$name
  image_ok=true
  unpack "$archive" "$dir"
  root=$dir/root

  [[ "$(config_value "$dir" "c.get('User')")" == "65532:65532" ]] || fail "user is not 65532:65532"
  [[ "$(config_value "$dir" "c.get('Entrypoint')")" == "['/usr/local/bin/$image']" ]] ||
    fail "entrypoint is not /usr/local/bin/$image"
  for label in source revision version; do
    value=$(config_value "$dir" "c.get('Labels', {}).get('org.opencontainers.image.$label', '')")
    [[ -n "$value" ]] || fail "no org.opencontainers.image.$label label"
  done
  [[ -n "$(config_value "$dir" "' '.join(c.get('ExposedPorts', {}))")" ]] || fail "exposes no port"

  [[ -s "$root/etc/ssl/certs/ca-certificates.crt" ]] || fail "no CA certificates"
  [[ -f "$root/usr/share/zoneinfo/Asia/Shanghai" ]] || fail "no tzdata"
  grep -q '^crm:x:65532:65532:' "$root/etc/passwd" || fail "no crm user in /etc/passwd"
  [[ -d "$root/tmp" ]] || fail "no /tmp"
  for forbidden in bin/sh usr/bin/env; do
    [[ ! -e "$root/$forbidden" ]] || fail "carries /$forbidden (the image should hold only the binary's files)"
  done

  # --help from the image's own files only.
  if output=$(env -i "$chroot_bin" --userspec=65532:65532 "$root" "/usr/local/bin/$image" --help 2>&1); then
    case "$name" in
      gateway) expected=http_port ;;
      *) expected=migrate_only ;;
    esac
    grep -q -- "$expected" <<<"$output" || fail "--help does not mention $expected"
  else
    fail "--help failed in the image: $(head -c 400 <<<"$output")"
  fi

  if [[ "$name" != gateway ]] && ! ls "$root"/usr/lib/*/libmariadb3/plugin/caching_sha2_password.so >/dev/null 2>&1 &&
    ! ls "$root"/lib/*/libmariadb3/plugin/caching_sha2_password.so >/dev/null 2>&1; then
    fail "no MariaDB caching_sha2_password plugin"
  fi

  if [[ "$name" == gateway ]]; then
    port=$((20000 + RANDOM % 20000))
    env -i GATEWAY_HTTP_PORT=$port GATEWAY_BIND_ADDRESS=127.0.0.1 \
      GATEWAY_DOCS_ASSETS_DIR=/usr/share/crm-gateway/swagger-ui-dist \
      "$chroot_bin" --userspec=65532:65532 "$root" /usr/local/bin/crm-gateway >"$dir/gateway.log" 2>&1 &
    gateway_pid=$!
    healthy=false
    for _ in $(seq 1 100); do
      if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
        healthy=true
        break
      fi
      kill -0 "$gateway_pid" 2>/dev/null || break
      sleep 0.1
    done
    if [[ "$healthy" == true ]]; then
      curl -fsS -o /dev/null "http://127.0.0.1:$port/docs/swagger-ui.css" ||
        fail "/docs assets not served from the image"
    else
      fail "gateway did not answer /healthz: $(tail -c 400 "$dir/gateway.log")"
    fi
    kill -TERM "$gateway_pid" 2>/dev/null || true
    status=0
    wait "$gateway_pid" || status=$?
    gateway_pid=""
    [[ $status -eq 0 ]] || fail "gateway exited $status after SIGTERM"
  fi

  if [[ "$image_ok" == true ]]; then
    echo "ok   $image ($(du -sh "$root" | cut -f1) unpacked, $(du -h "$archive" | cut -f1) archive)"
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
  rm -rf "$dir"
done

echo "test_images: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
