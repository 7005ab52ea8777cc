import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_random_password_printed_once(capsys, monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    call_command("ensure_admin")
    out = capsys.readouterr().out
    password = out.split("password: ")[1].split()[0]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.check_password(password)
    assert password not in ("password", "admin") and len(password) >= 12
    call_command("ensure_admin")
    assert password not in capsys.readouterr().out


def test_password_from_environment(monkeypatch, capsys):
    monkeypatch.setenv("ADMIN_PASSWORD", "from-the-env-1234")
    call_command("ensure_admin")
    assert "from-the-env-1234" not in capsys.readouterr().out
    assert get_user_model().objects.get(username="admin").check_password("from-the-env-1234")
