"""No Docker engine here: check docker-compose.yml refers only to real things."""
import importlib.util
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

from tests.process_helpers import script_module

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMMANDS = script_module("services")


def test_every_required_service_is_present():
    assert {"postgres", "redis", "memcached", "swift", "web", "worker", "transfers", "beat"} <= SERVICES.keys()


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_image_or_build_exists(name):
    service = SERVICES[name]
    if "build" in service:
        assert (ROOT / service["build"] / "Dockerfile").is_file()
    else:
        assert ":" in service["image"], "pin a tag for third-party images"


def _app_commands():
    for name, service in SERVICES.items():
        if service.get("image") == "cloudadmin:latest" or "build" in service:
            yield name, service.get("command")


@pytest.mark.parametrize("name,command", list(_app_commands()))
def test_app_services_run_their_command_from_the_one_list(name, command):
    """compose runs scripts/services.py, which the smoke test runs too."""
    assert command == ["python", "scripts/services.py", name]
    assert name in COMMANDS.SERVICES


def test_dockerfile_runs_the_one_list_only():
    steps = [line for line in DOCKERFILE.splitlines() if line.startswith(("RUN", "CMD", "ENTRYPOINT"))]
    app_steps = [line for line in steps
                 if any(word in line for word in ("manage.py", "services.py", "gunicorn", "celery"))]
    assert app_steps == [
        "RUN python scripts/services.py collectstatic && python scripts/services.py compilemessages",
        'CMD ["python", "scripts/services.py", "web"]']


def test_static_files_are_built_with_the_settings_that_serve_them():
    forced, _ = COMMANDS.SERVICES["collectstatic"]
    assert forced["DEBUG"] == "0"  # web runs with DEBUG off: the manifest storage


@pytest.mark.parametrize("name", sorted(COMMANDS.SERVICES))
def test_service_commands_refer_to_code_in_the_repo(name):
    command = COMMANDS.SERVICES[name][1]
    text = " ".join(command) if isinstance(command, list) else str(command)
    words = text.replace("&&", " ").split()
    for i, word in enumerate(words):
        if word == "manage.py":
            assert words[i + 1] in get_commands(), f"{name}: unknown command {words[i + 1]}"
        if word == "-A":
            assert importlib.util.find_spec(f"{words[i + 1]}.celery") is not None
        if word.endswith(":application"):
            module = word.split(":")[0]
            assert (ROOT / (module.replace(".", "/") + ".py")).is_file()


def test_healthchecks_volumes_and_nfs_mount():
    for name in ("postgres", "redis", "swift", "web"):
        assert "healthcheck" in SERVICES[name], name
    assert {"pgdata", "swiftdata"} <= COMPOSE["volumes"].keys()
    for name in ("worker", "transfers"):  # both read the shares: scans, and copies
        assert any(v.endswith(":/mnt/secondary") for v in SERVICES[name]["volumes"]), name
        assert SERVICES[name]["environment"]["NFS_MOUNT_ROOT"] == "/mnt/secondary"


def test_unknown_service_name_is_refused():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "scripts/services.py", "no-such-service"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode != 0 and "usage" in result.stderr


def test_migrations_run_once_before_the_app():
    assert "migrate --noinput" in " ".join(COMMANDS.SERVICES["migrate"][1])
    assert SERVICES["migrate"]["command"] == ["python", "scripts/services.py", "migrate"]
    for name in ("web", "worker", "transfers", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_env_file_example_names_the_required_settings():
    example = (ROOT / ".env.example").read_text()
    for var in ("SECRET_KEY", "SECRETS_ENCRYPTION_KEYS", "ALLOWED_HOSTS"):
        assert f"{var}=" in example


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
    assert "make run" in (ROOT / "README.md").read_text()


def test_web_healthcheck_uses_healthz_through_a_script_in_the_repo():
    test = SERVICES["web"]["healthcheck"]["test"]
    assert "/healthz" in " ".join(test)
    script = next(word for word in test if word.endswith(".py"))
    assert (ROOT / script).is_file()


def _option(argv, name):
    return argv[argv.index(name) + 1] if name in argv else None


def test_transfers_have_a_threads_worker_of_their_own_and_short_tasks_a_prefork_one():
    """A long copy never holds the worker of scans and short tasks, and the
    transfers worker runs TRANSFER_CONCURRENCY copies as threads."""
    from django.conf import settings

    tasks, transfers = COMMANDS.SERVICES["worker"][1], COMMANDS.SERVICES["transfers"][1]
    assert (_option(tasks, "--queues"), _option(tasks, "--pool")) == ("celery", "prefork")
    assert int(_option(tasks, "--concurrency")) <= 4
    assert (_option(transfers, "--queues"), _option(transfers, "--pool")) == (settings.TRANSFER_QUEUE, "threads")
    # Its size comes from the settings, so that the memory bound stated there holds.
    assert _option(transfers, "--concurrency") is None
    assert settings.CELERY_WORKER_CONCURRENCY == settings.TRANSFER_CONCURRENCY
    # Distinct node names on one host (make run, the smoke test), each pinged by its healthcheck.
    assert _option(tasks, "--hostname") != _option(transfers, "--hostname")
    for name in ("worker", "transfers"):
        node = _option(COMMANDS.SERVICES[name][1], "--hostname").replace("%h", "$$HOSTNAME")
        assert f"ping -d {node}" in SERVICES[name]["healthcheck"]["test"][1]


def test_worker_argv_runs_the_service_command_from_a_virtualenv():
    argv = COMMANDS.worker_argv("transfers", "/venv/bin/python", queues="q1", hostname="h@x")
    assert argv[:3] == ["/venv/bin/python", "-m", "celery"]
    assert (_option(argv, "--queues"), _option(argv, "--hostname"), _option(argv, "--pool")) == ("q1", "h@x", "threads")
    assert _option(COMMANDS.SERVICES["transfers"][1], "--queues") == "transfers"
