#!/usr/bin/env bash
# Vendors front-end assets from pinned npm versions into static/vendor/.
# No CDN: the files are committed; run this only to change a version.
# The source maps are not vendored, so their `sourceMappingURL` comments go:
# the manifest storage of collectstatic would fail on the missing .map files.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX_VERSION=2.0.11
BOOTSTRAP_VERSION=5.3.8
out=static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$HTMX_VERSION" "bootstrap@$BOOTSTRAP_VERSION" >/dev/null)
mkdir -p "$out"
tar -xzf "$work/htmx.org-$HTMX_VERSION.tgz" -C "$work" package/dist/htmx.min.js
strip_source_map() { sed -E '/^[[:space:]]*(\/\/|\/\*)# sourceMappingURL=/d' "$1" > "$2"; }
strip_source_map "$work/package/dist/htmx.min.js" "$out/htmx-$HTMX_VERSION.min.js"
rm -rf "$work/package"
tar -xzf "$work/bootstrap-$BOOTSTRAP_VERSION.tgz" -C "$work" package/dist/css/bootstrap.min.css
strip_source_map "$work/package/dist/css/bootstrap.min.css" "$out/bootstrap-$BOOTSTRAP_VERSION.min.css"
cat > "$out/VERSIONS" <<VERSIONS
htmx.org $HTMX_VERSION
bootstrap $BOOTSTRAP_VERSION (CSS only)
VERSIONS
echo "vendored into $out:"; ls "$out"
