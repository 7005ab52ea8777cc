import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from cloudadmin import crypto


@pytest.fixture
def keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SECRETS_ENCRYPTION_KEYS = [old]
    crypto.fernet.cache_clear()
    yield old, new
    crypto.fernet.cache_clear()


def test_round_trip_and_ciphertext_hides_plaintext(keys):
    token = crypto.encrypt("testing")
    assert "testing" not in token
    assert crypto.decrypt(token) == "testing"


def test_rotation_reads_old_tokens_with_new_primary_key(keys, settings):
    old, new = keys
    token = crypto.encrypt("s3cret")
    settings.SECRETS_ENCRYPTION_KEYS = [new, old]
    crypto.fernet.cache_clear()
    assert crypto.decrypt(token) == "s3cret"
    rotated = crypto.fernet().rotate(token.encode()).decode()
    settings.SECRETS_ENCRYPTION_KEYS = [new]
    crypto.fernet.cache_clear()
    assert crypto.decrypt(rotated) == "s3cret"
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        crypto.decrypt(token)


def test_bad_key_is_a_configuration_error(settings):
    settings.SECRETS_ENCRYPTION_KEYS = ["not-a-key"]
    crypto.fernet.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="Fernet keys"):
            crypto.encrypt("x")
    finally:
        crypto.fernet.cache_clear()
