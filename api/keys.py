"""Generating, regenerating and revoking an admin's API key pair."""
import secrets

from django.db import transaction

from cloudadmin import events
from cloudadmin.messages import coded

from .models import ApiKey


def new_token() -> str:
    return secrets.token_urlsafe(64)  # 86 characters, like CloudStack's keys


def generate(user) -> ApiKey:
    """A new key pair for `user`, replacing any earlier one (which stops
    working at once). The returned row's `secret` is the only time the
    plaintext is handed out."""
    with transaction.atomic():
        existing = ApiKey.objects.select_for_update().filter(user=user).first()
        if existing is None:
            key = ApiKey.objects.create(user=user, api_key=new_token(), secret=new_token())
            events.record("api.key.generate", user=user, target=user.get_username())
        else:
            existing.api_key, existing.secret, existing.last_used = new_token(), new_token(), None
            existing.save()
            key = existing
            events.record("api.key.regenerate", user=user, target=user.get_username(),
                          detail=coded("the previous key pair no longer works"))
    return key


def revoke(user) -> bool:
    with transaction.atomic():
        deleted, _ = ApiKey.objects.filter(user=user).delete()
        if deleted:
            events.record("api.key.revoke", user=user, target=user.get_username())
    return bool(deleted)
