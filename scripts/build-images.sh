#!/usr/bin/env bash
# Builds one OCI image per binary with buildah: no Docker engine, no daemon,
# no registry, no base image. Each image is `scratch` plus the files
# scripts/stage-image-root.sh lays out (the binary, exactly the shared
# libraries ldd lists for it plus libmariadb's authentication plugins, CA
# certificates, tzdata, passwd/group with user crm 65532, /tmp; the gateway
# also swagger-ui-dist for /docs and the dashboard's built files for /, from
# <build-dir>/gateway/web/dist),
# and runs as 65532:65532 with the binary as entrypoint. Labels:
# org.opencontainers.image.{title,description,source,revision,version,created}.
#
#   scripts/build-images.sh [--build-dir build] [--out build/images]
#                           [--version 0.1.0] [name...]
#
# Names: customer-profile segmentation loyalty feedback gateway (default:
# all). Output: <out>/crm-<name>.tar (oci-archive, reference
# crm-<name>:<version>) and <out>/sizes.txt. The version defaults to the
# tag k8s/base/kustomization.yaml pins; the revision is `git rev-parse HEAD`
# (CRM_IMAGE_SOURCE sets the source label). buildah runs with chroot
# isolation and vfs storage kept under <out>/.storage; buildah, tzdata and
# ca-certificates are installed with apt-get when missing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

build_dir=$CRM_REPO_ROOT/build
out_dir=""
version=""
names=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --out) out_dir=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    -h | --help)
      sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*) crm_die "unknown option: $1 (see --help)" ;;
    *) names+=("$1"); shift ;;
  esac
done
build_dir=$(cd "$build_dir" && pwd)
out_dir=${out_dir:-$build_dir/images}
[[ ${#names[@]} -gt 0 ]] || names=("${CRM_SERVICE_NAMES[@]}" gateway)
if [[ -z "$version" ]]; then
  version=$(sed -n 's/^ *newTag: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' \
    "$CRM_REPO_ROOT/k8s/base/kustomization.yaml" | head -n 1)
fi
[[ -n "$version" ]] || crm_die "no --version and no newTag in k8s/base/kustomization.yaml"

# Host packages the images take files from.
missing=()
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
[[ -d /usr/share/zoneinfo ]] || missing+=(tzdata)
[[ -f /etc/ssl/certs/ca-certificates.crt ]] || missing+=(ca-certificates)
if [[ ${#missing[@]} -gt 0 ]]; then
  crm_log "installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
storage=$out_dir/.storage
mkdir -p "$storage"
cat >"$storage/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$storage/root"
runroot = "$storage/run"
EOF
export CONTAINERS_STORAGE_CONF=$storage/storage.conf
export BUILDAH_ISOLATION=chroot

revision=$(git -C "$CRM_REPO_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
source_url=${CRM_IMAGE_SOURCE:-$(git -C "$CRM_REPO_ROOT" remote get-url origin 2>/dev/null || echo crm-suite)}
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)

binary_path() {
  case "$1" in
    gateway) echo "$build_dir/gateway/crm-gateway" ;;
    *) echo "$build_dir/services/${1//-/_}/crm-$1" ;;
  esac
}

# ports_of NAME: the ports the image exposes (gRPC + admin, or HTTP).
ports_of() {
  local entry name _prefix _db grpc admin
  if [[ "$1" == gateway ]]; then
    echo 8080
    return
  fi
  for entry in "${CRM_SERVICES[@]}"; do
    read -r name _prefix _db grpc admin <<<"$entry"
    [[ "$name" == "$1" ]] && echo "$grpc $admin"
  done
}

# stage_root NAME ROOT: lays out the image's file system in ROOT.
stage_root() {
  local binary
  binary=$(binary_path "$1")
  [[ -x "$binary" ]] || crm_die "$binary is missing: build it first (make build)"
  if [[ "$1" == gateway ]]; then
    # The gateway image serves the dashboard (GATEWAY_WEB_DIR in
    # k8s/base/gateway/config.env): it must have been built.
    [[ -f "$build_dir/gateway/web/dist/index.html" ]] ||
      crm_die "$build_dir/gateway/web/dist is missing: build the target crm-dashboard (make build)"
    CRM_WEB_DIST_DIR="$build_dir/gateway/web/dist" \
      "$CRM_SCRIPTS_DIR/stage-image-root.sh" "$1" "$binary" "$2"
    return
  fi
  "$CRM_SCRIPTS_DIR/stage-image-root.sh" "$1" "$binary" "$2"
}

staging=$(mktemp -d "$out_dir/.staging.XXXXXX")
trap 'rm -rf "$staging"' EXIT

printf '%-26s %12s %12s\n' image archive unpacked >"$out_dir/sizes.txt"
for name in "${names[@]}"; do
  [[ -n "$(binary_path "$name")" ]] || crm_die "unknown image name: $name"
  image=crm-$name
  root=$staging/$name
  mkdir -p "$root"
  stage_root "$name" "$root"

  container=$(buildah from --quiet scratch)
  buildah add --quiet "$container" "$root" / >/dev/null
  port_args=()
  for port in $(ports_of "$name"); do port_args+=(--port "$port"); done
  buildah config \
    --user 65532:65532 \
    --workingdir / \
    --entrypoint "[\"/usr/local/bin/$image\"]" \
    --cmd '[]' \
    --stop-signal SIGTERM \
    --env TZ=UTC \
    "${port_args[@]}" \
    --label "org.opencontainers.image.title=$image" \
    --label "org.opencontainers.image.description=crm-suite $name" \
    --label "org.opencontainers.image.source=$source_url" \
    --label "org.opencontainers.image.revision=$revision" \
    --label "org.opencontainers.image.version=$version" \
    --label "org.opencontainers.image.created=$created" \
    "$container"
  buildah commit --quiet --format oci --rm "$container" "$image:$version" >/dev/null
  rm -f "$out_dir/$image.tar"
  buildah push --quiet "$image:$version" "oci-archive:$out_dir/$image.tar:$image:$version"
  buildah rmi "$image:$version" >/dev/null
  archive_bytes=$(stat -c %s "$out_dir/$image.tar")
  unpacked_bytes=$(du -sb "$root" | cut -f1)
  awk -v image="$image:$version" -v a="$archive_bytes" -v u="$unpacked_bytes" \
    'BEGIN { printf "%-26s %11.1fM %11.1fM\n", image, a / 1048576, u / 1048576 }' \
    >>"$out_dir/sizes.txt"
  rm -rf "$root"
  crm_log "built $out_dir/$image.tar"
done
cat "$out_dir/sizes.txt"
