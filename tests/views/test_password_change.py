"""My account › Change password: Django's view with the validators, the
session kept, Post/Redirect/Get to My account, an audit event."""
import pytest
from django.urls import reverse

from cloudadmin.models import Event

pytestmark = pytest.mark.django_db
URL = reverse("password_change")


def test_the_page_shows_the_three_fields_marked_required_with_the_rules(admin_client):
    body = admin_client.get(URL).content.decode()
    for name in ("old_password", "new_password1", "new_password2"):
        assert f'name="{name}"' in body
    assert body.count('class="required-marker"') >= 3
    assert "Your password can’t be too similar" in body  # the validators' help text
    assert reverse("password_change") in admin_client.get(reverse("account")).content.decode()


def test_a_change_redirects_to_my_account_and_keeps_the_session(admin_client, admin_user, admin_password):
    response = admin_client.post(URL, {"old_password": admin_password, "new_password1": "a-Much-better-pass-9",
                                       "new_password2": "a-Much-better-pass-9"})
    assert response.status_code == 302 and response.url == reverse("account")
    admin_user.refresh_from_db()
    assert admin_user.check_password("a-Much-better-pass-9")
    page = admin_client.get(reverse("account"))
    assert page.status_code == 200 and "Your password was changed." in page.content.decode()
    event = Event.objects.get(action="user.password")
    assert (event.username, event.target) == ("admin", "admin")


@pytest.mark.parametrize("data, field", [
    ({"old_password": "wrong", "new_password1": "a-Much-better-pass-9", "new_password2": "a-Much-better-pass-9"},
     "old_password"),
    ({"new_password1": "12345678", "new_password2": "12345678"}, "new_password2"),  # common, numeric
    ({"new_password1": "a-Much-better-pass-9", "new_password2": "another-one-9"}, "new_password2"),
])
def test_refusals_show_the_message_and_change_nothing(admin_client, admin_user,
                                                                         admin_password, data, field):
    data = {"old_password": admin_password, **data}
    response = admin_client.post(URL, data)
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.check_password(admin_password)
    assert not Event.objects.filter(action="user.password").exists()
