# Two commands do all the set-up on a fresh Debian machine:
#   make run    the app on embedded defaults (SQLite, local Swift, Redis)
#   make test   the import contracts (lint-imports), then the whole test suite on
#               PostgreSQL, Redis, Swift and chromium
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test venv venv-test keystone-venv check-deploy vendor clean messages compilemessages

# Compiled translations: built from the committed .po files, never committed.
CATALOGS := $(wildcard locale/*/LC_MESSAGES/django.po)
COMPILED := $(CATALOGS:.po=.mo)

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.test: requirements-test.txt $(VENV)/.runtime
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-test.txt
	@touch $@

venv: $(VENV)/.runtime
venv-test: $(VENV)/.test

# What `manage.py compilemessages` runs, without needing the settings.
$(COMPILED): %.mo: %.po
	@bash scripts/system-deps.sh gettext
	msgfmt --check-format --check-header -o $@ $<

compilemessages: $(COMPILED)

# The lead's sweep: bring locale/*/django.po up to date with the source, then
# translate what `make test` reports (tests/unit/test_catalog.py).
messages: venv
	@bash scripts/system-deps.sh gettext
	DEBUG=1 $(PY) manage.py messages

run: venv compilemessages
	@bash scripts/system-deps.sh memcached
	@if [ "$(SWIFT_AUTH)" = keystone ]; then bash scripts/keystone-venv.sh; fi
	$(PY) scripts/devstack.py

# The local Keystone runs from its own virtualenv (scripts/keystone-venv.sh,
# built once per clone): its dependencies clash with .venv's pins.
keystone-venv:
	bash scripts/keystone-venv.sh

test: venv-test compilemessages keystone-venv
	@bash scripts/system-deps.sh memcached chromium gettext
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

check-deploy: venv
	DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=cloudadmin.example.com $(PY) manage.py check --deploy --fail-level WARNING

vendor:
	bash scripts/vendor-static.sh

clean:
	rm -rf $(VENV) .venv-keystone staticfiles
