import pytest
from django.core.exceptions import ImproperlyConfigured

from cloudadmin.settings import envbool, envint, envlist


@pytest.mark.parametrize("raw,expected", [("1", True), ("true", True), ("On", True),
                                          ("0", False), ("no", False), ("", True)])
def test_envbool(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert envbool("X_FLAG", default=True) is expected


def test_envbool_rejects_garbage(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be a boolean"):
        envbool("X_FLAG")


def test_envint(monkeypatch):
    monkeypatch.setenv("X_INT", "42")
    assert envint("X_INT", 1) == 42
    monkeypatch.setenv("X_INT", "4x")
    with pytest.raises(ImproperlyConfigured):
        envint("X_INT", 1)


def test_envlist(monkeypatch):
    monkeypatch.setenv("X_LIST", " a, b ,,c ")
    assert envlist("X_LIST") == ["a", "b", "c"]


def test_celery_time_limits_stay_below_visibility_timeout():
    from django.conf import settings

    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT < visibility
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_IGNORE_RESULT is True
    assert settings.CELERY_TASK_ROUTES["storage.tasks.transfer_*"]["queue"] == "transfers"
