#!/usr/bin/env bash
# Lays out the file system of a crm-suite container image in a directory:
# everything one binary needs to run with nothing else from a distribution.
# Used by scripts/build-images.sh (buildah) and the Dockerfile's build stage.
#
#   scripts/stage-image-root.sh NAME BINARY ROOT
#
#   NAME    customer-profile, segmentation, loyalty, feedback or gateway
#   BINARY  the built crm-<name>
#   ROOT    the directory to fill (created if missing)
#
# ROOT receives:
#   /usr/local/bin/crm-<name>     the binary, stripped
#   the shared libraries `ldd` lists for it, at the paths ldd prints, and
#   the ELF interpreter; when it links libmariadb, also the client
#   authentication plugins libmariadb loads at run time
#   (caching_sha2_password, sha256_password, client_ed25519) and their
#   libraries
#   /etc/ssl/certs/ca-certificates.crt, /usr/share/zoneinfo (no right/)
#   /etc/passwd, /etc/group (root, and crm = 65532), /etc/nsswitch.conf
#   /tmp (mode 1777)
#   gateway only: swagger-ui-dist without source maps under
#   /usr/share/crm-gateway/swagger-ui-dist (its GATEWAY_DOCS_ASSETS_DIR),
#   from gateway/web-vendor/node_modules (scripts/install-deps.sh); and the
#   dashboard's built files (index.html, assets/ with their .gz) under
#   /usr/share/crm-gateway/web (its GATEWAY_WEB_DIR), from CRM_WEB_DIST_DIR
#   or else the build tree beside the binary (<dir of BINARY>/web/dist, the
#   target crm-dashboard); without them a warning, and the image answers
#   404 at /
set -euo pipefail

[[ $# -eq 3 ]] || { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
name=$1
binary=$2
root=$3
repo_root=$(cd "$(dirname "$0")/.." && pwd)

die() {
  echo "stage-image-root: $*" >&2
  exit 1
}

[[ -x "$binary" ]] || die "$binary is not an executable"
[[ -f /etc/ssl/certs/ca-certificates.crt ]] || die "no CA bundle: install ca-certificates"
[[ -d /usr/share/zoneinfo ]] || die "no /usr/share/zoneinfo: install tzdata"

# copy_with_libraries FILE: copies the shared libraries ldd lists for FILE
# (and the interpreter) into ROOT at the paths ldd prints.
copy_with_libraries() {
  local file=$1 lib listing
  listing=$(ldd "$file") || die "ldd $file failed"
  if grep -q 'not found' <<<"$listing"; then
    die "$file needs libraries this machine lacks: $(grep 'not found' <<<"$listing" | tr -s ' \t' ' ')"
  fi
  while read -r lib; do
    [[ -n "$lib" ]] || continue
    if [[ ! -e "$root$lib" ]]; then
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    fi
  done < <(awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' <<<"$listing")
}

mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/usr/share" "$root/tmp"
chmod 755 "$root"
chmod 1777 "$root/tmp"
cp "$binary" "$root/usr/local/bin/crm-$name"
strip --strip-unneeded "$root/usr/local/bin/crm-$name"
copy_with_libraries "$binary"

mariadb_library=$(ldd "$binary" | awk '/libmariadb\.so/ {print $3}')
if [[ -n "$mariadb_library" ]]; then
  plugin_dir=$(dirname "$mariadb_library")/libmariadb3/plugin
  mkdir -p "$root$plugin_dir"
  for plugin in caching_sha2_password sha256_password client_ed25519; do
    [[ -f "$plugin_dir/$plugin.so" ]] || die "$plugin_dir/$plugin.so is missing"
    cp -L "$plugin_dir/$plugin.so" "$root$plugin_dir/"
    copy_with_libraries "$plugin_dir/$plugin.so"
  done
fi

cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
(cd /usr/share && tar --exclude=zoneinfo/right -cf - zoneinfo) | tar -xf - -C "$root/usr/share"
printf 'root:x:0:0:root:/root:/sbin/nologin\ncrm:x:65532:65532:crm:/nonexistent:/sbin/nologin\n' \
  >"$root/etc/passwd"
printf 'root:x:0:\ncrm:x:65532:\n' >"$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"

if [[ "$name" == gateway ]]; then
  assets=$repo_root/gateway/web-vendor/node_modules/swagger-ui-dist
  [[ -d "$assets" ]] || die "$assets is missing: run scripts/install-deps.sh"
  # The distribution without source maps, the ES-module bundles and build
  # logs (the gateway serves the UMD bundle, preset, CSS and icons).
  mkdir -p "$root/usr/share/crm-gateway"
  (cd "$assets/.." && tar --exclude='*.map' --exclude='*es-bundle*' --exclude='log.*' \
    -cf - swagger-ui-dist) | tar -xf - -C "$root/usr/share/crm-gateway"
  web_dist=${CRM_WEB_DIST_DIR:-$(dirname "$binary")/web/dist}
  if [[ -f "$web_dist/index.html" && -d "$web_dist/assets" ]]; then
    mkdir -p "$root/usr/share/crm-gateway/web"
    cp "$web_dist/index.html" "$root/usr/share/crm-gateway/web/"
    cp -R "$web_dist/assets" "$root/usr/share/crm-gateway/web/"
  else
    echo "stage-image-root: warning: no dashboard in $web_dist (build the target" \
      "crm-dashboard; needs npm ci in gateway/web): the image answers 404 at /" >&2
  fi
fi
