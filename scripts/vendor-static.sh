#!/usr/bin/env bash
# Vendors front-end assets from pinned npm versions into static/vendor/.
# No CDN: the files are committed; run this only to change a version.
# The source maps are not vendored, so their `sourceMappingURL` comments go:
# the manifest storage of collectstatic would fail on the missing .map files.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX_VERSION=2.0.11
BOOTSTRAP_VERSION=5.3.8
TUS_VERSION=4.3.1
HASH_WASM_VERSION=4.12.0
out=static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$HTMX_VERSION" "bootstrap@$BOOTSTRAP_VERSION" \
                  "tus-js-client@$TUS_VERSION" "hash-wasm@$HASH_WASM_VERSION" >/dev/null)
mkdir -p "$out"
tar -xzf "$work/htmx.org-$HTMX_VERSION.tgz" -C "$work" package/dist/htmx.min.js
strip_source_map() { sed -E '/^[[:space:]]*(\/\/|\/\*)# sourceMappingURL=/d' "$1" > "$2"; }
strip_source_map "$work/package/dist/htmx.min.js" "$out/htmx-$HTMX_VERSION.min.js"
rm -rf "$work/package"
tar -xzf "$work/bootstrap-$BOOTSTRAP_VERSION.tgz" -C "$work" package/dist/css/bootstrap.min.css
strip_source_map "$work/package/dist/css/bootstrap.min.css" "$out/bootstrap-$BOOTSTRAP_VERSION.min.css"
rm -rf "$work/package"
tar -xzf "$work/tus-js-client-$TUS_VERSION.tgz" -C "$work" package/dist/tus.min.js
strip_source_map "$work/package/dist/tus.min.js" "$out/tus-js-client-$TUS_VERSION.min.js"
rm -rf "$work/package"
tar -xzf "$work/hash-wasm-$HASH_WASM_VERSION.tgz" -C "$work" package/dist/md5.umd.min.js
strip_source_map "$work/package/dist/md5.umd.min.js" "$out/hash-wasm-md5-$HASH_WASM_VERSION.min.js"
cat > "$out/VERSIONS" <<VERSIONS
htmx.org $HTMX_VERSION
bootstrap $BOOTSTRAP_VERSION (CSS only)
tus-js-client $TUS_VERSION (dist/tus.min.js)
hash-wasm $HASH_WASM_VERSION (dist/md5.umd.min.js: MD5 only, used in a Web Worker)
VERSIONS
echo "vendored into $out:"; ls "$out"
