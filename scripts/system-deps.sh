#!/usr/bin/env bash
# Ensures Debian packages are present: installs them when root on Debian,
# otherwise prints the one line to run. Usage: system-deps.sh PKG...
# Optional: rclone, bench/throughput.py's third contender (it skips rclone with
# a note when missing): bash scripts/system-deps.sh rclone
set -euo pipefail
missing=()
for pkg in "$@"; do
  case "$pkg" in
    chromium) bin=chromium ;;
    gettext) bin=msgfmt ;;
    *) bin=$pkg ;;
  esac
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/bin/$bin" ] || [ -x "/usr/sbin/$bin" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} with apt-get..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts memcached as a service; we run our own per local Swift.
  if [[ " ${missing[*]} " == *" memcached "* ]] && command -v service >/dev/null; then
    service memcached stop >/dev/null 2>&1 || true
  fi
else
  echo "Missing system packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
