"""The one list of the commands that the image and its services run.

The Dockerfile's build steps and CMD, the `command:` of every cloudadmin
service in docker-compose.yml, and the production smoke test
(tests/e2e/test_production_smoke.py) all run `python scripts/services.py NAME`,
so what is tested is what is deployed; tests/unit/test_docker_compose.py
checks that compose and the Dockerfile use nothing else.

Stdlib only: it runs before Django is set up, and it replaces itself with the
command (exec), so the service gets the container's signals.
"""
import os
import sys

# name: (environment it forces, argv)
SERVICES = {
    # Build steps. Static files are collected with the settings that serve them
    # (DEBUG off: whitenoise's manifest storage, hashed and compressed files);
    # a placeholder key, since the build has no secrets and signs nothing.
    "collectstatic": ({"DEBUG": "0", "SECRET_KEY": "collectstatic-only"},
                      ["python", "manage.py", "collectstatic", "--noinput"]),
    "compilemessages": ({"DEBUG": "0", "SECRET_KEY": "compilemessages-only"},
                        ["python", "manage.py", "compilemessages", "--ignore=.venv"]),
    # One-shot, before the app starts: migrations and the admin user.
    "migrate": ({}, ["sh", "-c", "python manage.py migrate --noinput && python manage.py ensure_admin"]),
    "web": ({}, ["gunicorn", "cloudadmin.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]),
    # Two workers, so that a long copy never delays a scan or a short task.
    # Scans, share checks, API jobs and beat's tasks: queue `celery`, a
    # small prefork pool (the share checks' time limits, against a dead NFS
    # mount, need processes: a threads pool enforces none).
    "worker": ({}, ["celery", "-A", "cloudadmin", "worker", "--hostname", "worker@%h",
                    "--queues", "celery", "--pool", "prefork", "--concurrency", "2",
                    "--loglevel", "INFO"]),
    # Transfers: queue `transfers`, a threads pool of TRANSFER_CONCURRENCY
    # (no --concurrency here: settings.CELERY_WORKER_CONCURRENCY), so that
    # one host moves many templates at once within the memory bound
    # TRANSFER_CONCURRENCY x TRANSFER_READ_AHEAD_MB.
    "transfers": ({}, ["celery", "-A", "cloudadmin", "worker", "--hostname", "transfers@%h",
                       "--queues", "transfers", "--pool", "threads", "--loglevel", "INFO"]),
    "beat": ({}, ["celery", "-A", "cloudadmin", "beat", "--loglevel", "INFO",
                  "--schedule", "/app/var/celerybeat-schedule"]),
    # The local OpenStack Swift (tempauth test:tester / testing).
    "swift": ({"DEBUG": "1", "SECRET_KEY": "swift-service-does-not-serve-the-app"},
              ["python", "manage.py", "runswift", "--port", "8080", "--root", "/srv/swift",
               "--memcache", "memcached:11211"]),
}


WORKERS = ("worker", "transfers")


def worker_argv(name: str, python: str, queues: str | None = None, hostname: str | None = None) -> list[str]:
    """A worker service's command run as `python -m celery` (make run and the
    tests' workers, from a virtualenv), its queues or hostname replaced."""
    assert name in WORKERS, name
    argv = [python, "-m", *SERVICES[name][1]]
    for option, value in (("--queues", queues), ("--hostname", hostname)):
        if value is not None:
            argv[argv.index(option) + 1] = value
    return argv


def environment(name: str, base: dict) -> dict:
    forced, _ = SERVICES[name]
    return {**base, **forced}


def main(argv: list[str]) -> None:
    if len(argv) != 2 or argv[1] not in SERVICES:
        sys.exit(f"usage: {argv[0]} {{{','.join(SERVICES)}}}")
    name = argv[1]
    command = SERVICES[name][1]
    os.execvpe(command[0], command, environment(name, dict(os.environ)))


if __name__ == "__main__":
    main(sys.argv)
