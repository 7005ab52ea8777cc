"""My account: the admin's API key pair, secret shown once."""
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from api.models import ApiKey
from cloudadmin.models import Event
from tests.api_helpers import call

pytestmark = pytest.mark.django_db


def test_page_offers_to_generate_keys(admin_client):
    body = admin_client.get(reverse("account")).content.decode()
    assert "You have no API key yet." in body and ">Generate keys</button>" in body
    assert "http://testserver/client/api" in body


def test_generate_shows_the_secret_once_and_stores_it_encrypted(admin_client, admin_user, client):
    response = admin_client.post(reverse("account"), {"action": "generate"})
    assert response.status_code == 302 and response.url == reverse("account")  # Post/Redirect/Get
    key = ApiKey.objects.get(user=admin_user)
    session = admin_client.session.load()
    assert key.secret not in str(session)  # waits encrypted for the GET
    response = admin_client.get(reverse("account"))
    body = response.content.decode()
    assert key.api_key in body and key.secret in body and "shown only this once" in body
    assert "no-store" in response["Cache-Control"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM api_apikey WHERE id = %s", [key.pk])
        stored = cursor.fetchone()[0]
    assert key.secret not in stored and stored.startswith("gAAAA")  # a Fernet token
    # Never again, a reload included: the page shows the key but not the
    # secret, and nothing was generated again.
    body = admin_client.get(reverse("account")).content.decode()
    assert key.api_key in body and key.secret not in body
    assert ApiKey.objects.get(user=admin_user).api_key == key.api_key
    # And the pair works.
    assert call(client, "listSwifts", key.api_key, key.secret)[0] == 200
    assert Event.objects.filter(action="api.key.generate", user=admin_user).exists()


def test_regenerate_replaces_the_pair(admin_client, admin_user, client):
    admin_client.post(reverse("account"), {"action": "generate"})
    old = ApiKey.objects.get(user=admin_user)
    old_pair = (old.api_key, old.secret)
    admin_client.post(reverse("account"), {"action": "generate"})
    new = ApiKey.objects.get(user=admin_user)
    assert new.api_key != old_pair[0] and new.secret != old_pair[1]
    assert call(client, "listSwifts", *old_pair)[0] == 401
    assert call(client, "listSwifts", new.api_key, new.secret)[0] == 200
    assert Event.objects.filter(action="api.key.regenerate", user=admin_user).exists()


def test_revoke(admin_client, admin_user, client):
    admin_client.post(reverse("account"), {"action": "generate"})
    key = ApiKey.objects.get(user=admin_user)
    response = admin_client.post(reverse("account"), {"action": "revoke"}, follow=True)
    assert response.redirect_chain == [(reverse("account"), 302)]
    assert "The API key was revoked." in response.content.decode()
    assert not ApiKey.objects.exists()
    assert call(client, "listSwifts", key.api_key, key.secret)[0] == 401
    assert Event.objects.filter(action="api.key.revoke").exists()


def test_every_hard_to_undo_action_asks_for_confirmation(admin_client):
    body = admin_client.get(reverse("account")).content.decode()
    assert 'data-confirm="A new key pair is created for you.' in body
    admin_client.post(reverse("account"), {"action": "generate"})
    admin_client.get(reverse("account"))
    body = admin_client.get(reverse("account")).content.decode()
    assert 'data-confirm="The current key pair stops working at once: every client' in body  # Regenerate
    assert 'data-confirm="The current key pair stops working at once, and every client' in body  # Revoke


def test_unknown_action_is_a_400(admin_client):
    assert admin_client.post(reverse("account"), {"action": "x"}).status_code == 400
    assert not ApiKey.objects.exists()


def test_each_admin_has_their_own_keys(admin_client, admin_user, django_user_model):
    other = django_user_model.objects.create_user("other", password="x", is_staff=True)
    other_client = Client()
    other_client.force_login(other)
    other_client.post(reverse("account"), {"action": "generate"})
    body = admin_client.get(reverse("account")).content.decode()
    assert ApiKey.objects.get(user=other).api_key not in body
