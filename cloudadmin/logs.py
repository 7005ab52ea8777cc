"""Log plumbing: a request id per HTTP request, the Celery task id in worker
logs, and redaction of secrets before any handler writes a record.

Settings attach `ContextFilter` and `RedactSecretsFilter` to the handlers (a
handler filter sees records from every logger), and format them as JSON lines
when DEBUG is off."""
import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished
from django.db.models.signals import post_init, post_save
from django.dispatch import receiver

request_id_var = contextvars.ContextVar("request_id", default=None)

# A client's X-Request-ID is kept only if it is short and harmless.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdMiddleware:
    """Takes X-Request-ID from the client (or a proxy) or makes one, keeps it
    for the log records of this request, and returns it on the response."""

    header = "X-Request-ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(self.header, "")
        request.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        # Kept until request_finished: Django logs "Not Found" and server
        # errors after the middleware chain has returned.
        request_id_var.set(request.request_id)
        response = self.get_response(request)
        response[self.header] = request.request_id
        return response


@receiver(request_finished)
def _forget_request_id(sender, **kwargs):
    request_id_var.set(None)


# A task carries the id of the request that enqueued it, so that the worker's
# lines can be joined to the click that caused them.
@before_task_publish.connect
def _send_request_id(headers=None, **kwargs):
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


@task_prerun.connect
def _receive_request_id(task=None, **kwargs):
    request_id_var.set(getattr(task.request, "request_id", None) if task else None)


@task_postrun.connect
def _forget_task_request_id(**kwargs):
    request_id_var.set(None)


class ContextFilter(logging.Filter):
    """Adds `request_id` and `task_id` ("-" when there is none) to every record."""

    def filter(self, record):
        record.request_id = request_id_var.get() or "-"
        record.task_id = _current_task_id() or "-"
        return True


def _current_task_id():
    # Imported at the first log record: settings configure logging before Celery loads.
    from celery import current_task

    request = getattr(current_task, "request", None) if current_task else None
    return getattr(request, "id", None)


# --- redaction -------------------------------------------------------------
REDACTED = "[redacted]"
# Header-shaped secrets: X-Auth-Key, X-Auth-Token, X-Storage-Token, X-Subject-Token,
# as "Name: value", "Name=value" or a dict repr "'Name': 'value'".
_HEADER_SECRET = re.compile(
    r"(?i)(x-(?:auth|storage|subject)-(?:key|token)['\"]?\s*[:=]\s*['\"]?)([^'\"\s,;}]+)")
# key=value pairs (and 'key': 'value' reprs) whose name says "secret".
_PAIR_SECRET = re.compile(
    r"(?i)\b((?:password|passwd|key|token|secret|api_key|auth_key|signature)['\"]?\s*[:=]\s*['\"]?)([^'\"\s&,;)}]+)")
# Secrets known by value: the configured Swift key, host passwords, the app's keys.
_known_secrets: set[str] = set()
_MIN_SECRET_LENGTH = 4  # shorter values would blank out ordinary words
_MAX_KNOWN_SECRETS = 1000


def register_secret(value) -> None:
    if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH and len(_known_secrets) < _MAX_KNOWN_SECRETS:
        _known_secrets.add(value)


def redact(text: str) -> str:
    for secret in sorted(_known_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _HEADER_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
    return _PAIR_SECRET.sub(lambda m: m.group(1) + REDACTED, text)


_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RedactSecretsFilter(logging.Filter):
    """Renders the message, traceback and extra fields, then removes secrets."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not hide the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message), ()
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = redact(text), None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRS:
                setattr(record, name, _redact_value(value))
        return True


def _redact_value(value):
    """Strings inside extra fields too (Celery logs task arguments as a dict)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(v) for v in value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    # Any other object (Django's `request` extra, say) would be written as
    # its str(), which may hold a query string: redact that text.
    return redact(str(value))


def _register_instance_secrets(sender, instance, **kwargs):
    for name in sender._encrypted_field_names:
        register_secret(getattr(instance, name, None))


def connect_secret_registration():
    """Every model value held in an EncryptedTextField is registered as soon
    as a process loads or saves it, so that no later log line can show it."""
    # Called from AppConfig.ready: settings import this module (LOGGING) before Django is set up.
    from django.apps import apps
    from django.conf import settings

    from .crypto import EncryptedTextField  # its module imports Django's models

    register_secret(settings.SECRET_KEY)
    for key in settings.SECRETS_ENCRYPTION_KEYS:
        register_secret(key)
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            model._encrypted_field_names = names
            post_init.connect(_register_instance_secrets, sender=model, weak=False,
                              dispatch_uid=f"register-secrets-init-{model._meta.label}")
            post_save.connect(_register_instance_secrets, sender=model, weak=False,
                              dispatch_uid=f"register-secrets-save-{model._meta.label}")
