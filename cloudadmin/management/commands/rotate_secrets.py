"""Re-encrypt every secret at rest with the newest key.

Key rotation: put the new Fernet key first in SECRETS_ENCRYPTION_KEYS (keep
the old ones after it), restart, run this, then drop the old keys. Every
EncryptedTextField of every installed model is found by itself, so secrets
added by later models are rotated too. All or nothing: one transaction."""
from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast

from cloudadmin import crypto
from cloudadmin.crypto import EncryptedTextField


def encrypted_fields():
    """(model, field) for every EncryptedTextField of every installed model."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


class Command(BaseCommand):
    help = "Re-encrypt every secret at rest with the first key of SECRETS_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        rotated = current = 0
        with transaction.atomic():
            for model, field in encrypted_fields():
                # The stored token as text, bypassing the field's decryption.
                rows = (model._base_manager.exclude(**{f"{field.attname}__isnull": True})
                        .annotate(stored_token=Cast(field.attname, models.TextField()))
                        .values_list("pk", "stored_token"))
                for pk, token in rows.iterator():
                    if crypto.is_current(token):
                        current += 1
                        continue
                    try:
                        new_token = crypto.rotate(token)
                    except InvalidToken:
                        raise CommandError(
                            f"{model._meta.label}.{field.name} of row {pk} cannot be decrypted with "
                            "any key in SECRETS_ENCRYPTION_KEYS; nothing was changed") from None
                    if not dry_run:
                        # A plain text value, so the field does not encrypt it again.
                        model._base_manager.filter(pk=pk).update(
                            **{field.attname: models.Value(new_token, output_field=models.TextField())})
                    rotated += 1
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(f"{verb} {rotated} secret(s); {current} already on the newest key")
