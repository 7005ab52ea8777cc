"""A pending setting takes effect when the web process starts (the WSGI
module that runserver and gunicorn load), not when any manage.py command runs."""
import os
import subprocess
import sys

import pytest
from django.conf import settings

from cloudadmin import config
from cloudadmin.models import Event, GlobalSetting
from tests.conftest import ROOT, _database_url

pytestmark = pytest.mark.django_db(transaction=True)


def run(code_or_args):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DATABASE_URL": _database_url(settings.DATABASES["default"]), "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-c", code_or_args] if isinstance(code_or_args, str) else [sys.executable, *code_or_args]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_web_process_start_applies_pending_settings_and_manage_commands_do_not():
    config.seed_missing()
    config.change("enable.swift", "true")

    result = run(["manage.py", "check"])  # AppConfig.ready runs, the server does not start
    assert result.returncode == 0, result.stderr
    assert GlobalSetting.objects.get(name="enable.swift").pending_value == "true"
    assert config.value("enable.swift") is False

    result = run("import cloudadmin.wsgi")  # what runserver and gunicorn do at start
    assert result.returncode == 0, result.stderr
    row = GlobalSetting.objects.get(name="enable.swift")
    assert (row.value, row.pending_value) == ("true", None)
    assert Event.objects.filter(action="setting.apply", target="enable.swift").count() == 1

    # A second start has nothing left to apply and records nothing.
    assert run("import cloudadmin.wsgi").returncode == 0
    assert Event.objects.filter(action="setting.apply").count() == 1
