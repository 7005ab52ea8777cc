"""The collected static files of the test suite: one folder per content of
static/ (and of the pinned versions, which bring their apps' static files),
collected once by the production storage and shared by later runs."""
import fcntl
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DONE = ".collected"
PREFIX = "cloudadmin-test-static-"


def collected_static_root() -> Path:
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "static").rglob("*"), ROOT / "requirements.txt"]):
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return Path(tempfile.gettempdir()) / f"{PREFIX}{digest.hexdigest()[:16]}"


def collect_once() -> Path:
    """collectstatic into settings.STATIC_ROOT unless a run finished it before.
    A lock, since parallel test runs share the folder."""
    from django.conf import settings
    from django.core.management import call_command

    root = Path(settings.STATIC_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{root}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ((root / DONE).exists() and (root / "staticfiles.json").exists()):
            shutil.rmtree(root, ignore_errors=True)  # a run that died halfway, or a damaged folder
            call_command("collectstatic", interactive=False, verbosity=0)
            (root / DONE).touch()
    os.utime(root)  # in use: see _forget_old
    _forget_old(root)
    return root


def _forget_old(current: Path, days: float = 2) -> None:
    """Collections of earlier contents that no run used for `days`."""
    for other in current.parent.glob(f"{PREFIX}*"):
        if other.is_dir() and other != current and time.time() - other.stat().st_mtime > days * 86400:
            shutil.rmtree(other, ignore_errors=True)
            Path(f"{other}.lock").unlink(missing_ok=True)
