"""Encryption of secrets at rest with MultiFernet (key rotation: put the new
key first in SECRETS_ENCRYPTION_KEYS, run `manage.py rotate_secrets`)."""
import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _keys() -> list[str]:
    keys = list(settings.SECRETS_ENCRYPTION_KEYS)
    if not keys:
        derived = hashlib.sha256(b"cloudadmin-secrets:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return keys


@cache
def fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in _keys()])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "SECRETS_ENCRYPTION_KEYS must hold url-safe base64 Fernet keys"
        ) from exc


def is_current(token: str) -> bool:
    """True when the first (newest) key alone decrypts the token."""
    try:
        Fernet(_keys()[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """The token re-encrypted with the first key (raises InvalidToken when no key fits)."""
    return fernet().rotate(token.encode()).decode()


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "a stored secret cannot be decrypted with SECRETS_ENCRYPTION_KEYS"
        ) from exc


class EncryptedTextField(models.TextField):
    """Holds a secret as a Fernet token. Python sees plaintext, the DB never."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)
