import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from cloudadmin import crypto
from cloudadmin.management.commands.rotate_secrets import encrypted_fields
from storage.models import SwiftStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def use_keys(settings):
    def use(*keys):
        settings.SECRETS_ENCRYPTION_KEYS = list(keys)
        crypto.fernet.cache_clear()
    yield use
    crypto.fernet.cache_clear()


def _stored_token():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key FROM {SwiftStore._meta.db_table}")
        return cursor.fetchone()[0]


def _run(*args):
    from io import StringIO

    out = StringIO()
    call_command("rotate_secrets", *args, stdout=out)
    return out.getvalue()


def test_finds_encrypted_fields_of_every_model():
    found = {f"{model._meta.label}.{field.name}" for model, field in encrypted_fields()}
    assert "storage.SwiftStore.key" in found


def test_rotation_re_encrypts_with_the_newest_key(use_keys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    use_keys(old)
    SwiftStore.objects.create(url="http://swift:8080/auth/v1.0", username="test:tester",
                              key="the-swift-key", auth_version="1.0")
    before = _stored_token()
    assert "the-swift-key" not in before

    use_keys(new, old)
    assert "would re-encrypt 1 secret(s)" in _run("--dry-run")
    assert _stored_token() == before
    assert "re-encrypted 1 secret(s); 0 already" in _run()
    after = _stored_token()
    assert after != before and "the-swift-key" not in after
    assert Fernet(new).decrypt(after.encode()) == b"the-swift-key"

    use_keys(new)  # the old key can go now
    assert SwiftStore.objects.get().key == "the-swift-key"
    assert "re-encrypted 0 secret(s); 1 already on the newest key" in _run()


def test_unknown_key_is_a_clear_error_and_changes_nothing(use_keys):
    use_keys(Fernet.generate_key().decode())
    SwiftStore.objects.create(url="http://swift:8080/auth/v1.0", username="u", key="k", auth_version="1.0")
    before = _stored_token()
    use_keys(Fernet.generate_key().decode())
    with pytest.raises(CommandError, match="storage.SwiftStore.key of row .* cannot be decrypted"):
        _run()
    assert _stored_token() == before
