"""Settings for the test suite: production settings on PostgreSQL, minus TLS
redirects (the test client and the live server speak plain HTTP). Static
files are served as in production: manifest storage and whitenoise."""
import atexit
import os
import shutil
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cloudadmin")
# A Redis database of its own, so a test run never eats tasks of `make run`.
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
# NFS shares resolve under a fresh folder; set in the environment so that the
# Celery worker processes the tests start see the same one.
if "NFS_MOUNT_ROOT" not in os.environ:
    os.environ["NFS_MOUNT_ROOT"] = tempfile.mkdtemp(prefix="cloudadmin-nfs-")
    atexit.register(shutil.rmtree, os.environ["NFS_MOUNT_ROOT"], True)

from cloudadmin.settings import *  # noqa: E402,F401,F403
from tests.static_root import collected_static_root  # noqa: E402

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The production static storage (whitenoise's manifest): a page whose static
# file is missing fails here as it would in production. collectstatic runs
# once per content of static/ and pinned versions (tests/conftest.py).
STATIC_ROOT = collected_static_root()
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
