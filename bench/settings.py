"""Settings of bench/load.py's web server and worker: production settings
(DEBUG off, JSON logs, the real password hasher) over plain HTTP on
loopback, so the client keeps its cookies without a TLS proxy in front."""
from cloudadmin.settings import *  # noqa: F401,F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Plain static storage: the manifest one needs collectstatic, which the bench skips.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
