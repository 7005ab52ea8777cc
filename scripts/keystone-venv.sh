#!/usr/bin/env bash
# The local Keystone's own virtualenv (.venv-keystone), apart from .venv:
# Keystone's dependency tree (oslo.*, SQLAlchemy, Flask...) would clash with
# the app's pins. Built once per clone; rebuilt when requirements-keystone.txt
# changes (the stamp file holds its checksum). Used by `make test` and by
# `make run` with SWIFT_AUTH=keystone.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${KEYSTONE_VENV:-.venv-keystone}
PYTHON=${PYTHON:-python3}
STAMP="$VENV/.built"
WANT=$(sha256sum requirements-keystone.txt | cut -d' ' -f1)
if [[ -f $STAMP && $(cat "$STAMP") == "$WANT" && -x $VENV/bin/keystone-manage ]]; then
  exit 0
fi
echo "Building the local Keystone's virtualenv in $VENV (once per clone)..."
start=$(date +%s)
test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
rm -rf "$VENV/bootstrapped"  # storage/swift/localkeystone.py's cached bootstrap, of the old pins
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-keystone.txt
echo "$WANT" > "$STAMP"
echo "Keystone virtualenv ready in $(( $(date +%s) - start )) s."
