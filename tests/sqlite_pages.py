"""Run by tests/integration/test_sqlite_pages.py in a child process whose
DATABASE_URL is a fresh SQLite file (the `make run` default): migrate, add a
zone, templates and transfers in every state, then GET every page without
URL arguments as the admin. Prints one line per page and exits non-zero when
any page crashes (5xx; /healthz may say 503, nothing is configured), or when
an id beyond the integer range in any URL is not a 404."""
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudadmin.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from storage.models import Transfer  # noqa: E402
from tests import storage_rows  # noqa: E402
from tests.urlcrawl import MISSING_ID, endpoints  # noqa: E402

call_command("migrate", verbosity=0)
admin = get_user_model().objects.create_superuser("admin", password="sqlite-pages-1")
zone = storage_rows.make_zone("zone1")
now = timezone.now()
for number, state in enumerate(Transfer.State.values, start=1):
    template = storage_rows.make_template(number, stored=state == Transfer.State.DONE)
    storage_rows.make_location(template, zone)
    storage_rows.make_transfer(template, zone, state, done=512, total=1024, rate=100.0,
                               started=now - timezone.timedelta(minutes=5),
                               finished=now if state in Transfer.TERMINAL_STATES else None)

client = Client()
client.force_login(admin)
failed = 0
for name, path, _view in endpoints():
    if "987654321" in path or "sample" in path:
        continue  # needs an object: covered on PostgreSQL by the view tests
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        status = client.get(path, **headers).status_code
        # A refusal (405 on an action URL, 409 in this state) is fine; a crash is not.
        ok = status < 500 or (path == "/healthz" and status == 503)
        failed += not ok
        print(f"{'ok ' if ok else 'BAD'} {status} {path} {'(htmx)' if headers else ''}")
# SQLite's integers end at 2**63 - 1: an id past it must not reach a query.
for name, path, _view in endpoints():
    if str(MISSING_ID) not in path:
        continue
    url = path.replace(str(MISSING_ID), str(2**63))
    for method in (client.get, client.post):
        status = method(url).status_code
        failed += status != 404
        print(f"{'ok ' if status == 404 else 'BAD'} {status} {method.__name__.upper()} {url}")
sys.exit(1 if failed else 0)
