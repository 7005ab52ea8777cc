"""Crawl every URL pattern in the resolver, so that patterns added later are
covered without editing this file:

- without login, every URL redirects to the login page or refuses (only the
  login page and /healthz answer, and nothing answers 500);
- a logged-in admin's POST without a CSRF token is refused (403) everywhere;
- an admin's GET never gives a server error;
- every form in the project's forms modules, and every form a view declares,
  gets hypothesis-generated input and never raises or answers 500.
"""
import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from tests.urlcrawl import endpoints

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "healthz"}  # the only names that answer without login
# Authenticated by an HMAC signature instead of a session: no login redirect
# and no CSRF token (api/views.py says why), but without a valid signature
# it refuses every call, the admin's own session included.
SIGNED = {"client_api"}
# getUploadParamsForTemplate's postURL: signed by the X-signature header of
# that answer instead of a session and CSRF token; refused (403) without it.
UPLOAD_SIGNED = {"storage:template_upload_post"}
PROJECT_APPS = ("cloudadmin", "zones", "storage", "api")
ENDPOINTS = endpoints()
IDS = [name for name, _, _ in ENDPOINTS]


def test_the_crawl_sees_the_known_pages():
    names = set(IDS)
    assert {"login", "logout", "healthz", "dashboard", "events", "zones:list", "storage:swift",
            "client_api", "account"} <= names


@pytest.fixture(autouse=True)
def quick_health(settings):
    settings.HEALTH_WORKER_TIMEOUT = 0.2  # no worker runs here: do not wait for one
    settings.HEALTH_CACHE_SECONDS = 0


def _is_login_redirect(response):
    return response.status_code in (301, 302) and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name,path,view", ENDPOINTS, ids=IDS)
def test_anonymous_is_sent_to_login_or_refused(client, name, path, view):
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code < 500 or (name == "healthz" and response.status_code == 503), (
            f"{method.upper()} {path}: {response.status_code}")
        if name in PUBLIC:
            continue
        if name in SIGNED:
            assert_signature_refusal(response)
            continue
        assert response.status_code != 200, f"{method.upper()} {path} answered without login"
        assert _is_login_redirect(response) or 400 <= response.status_code < 500, (
            f"{method.upper()} {path}: {response.status_code} is neither a login redirect nor a refusal")


def assert_signature_refusal(response):
    assert response.status_code == 401, response.status_code
    assert response["Content-Type"].startswith("text/xml")  # CloudStack's default form
    assert b"<errorcode>401</errorcode>" in response.content
    assert b"unable to verify user credentials and/or request signature" in response.content


@pytest.mark.parametrize("name,path,view", ENDPOINTS, ids=IDS)
def test_post_without_csrf_token_is_refused(admin_user, name, path, view):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(path, {"anything": "x"})
    if name in SIGNED:
        assert_signature_refusal(response)
        return
    if name in UPLOAD_SIGNED:
        assert response.status_code == 403 and b"signature does not match" in response.content
        return
    assert response.status_code == 403, f"POST {path} without CSRF: {response.status_code}"
    assert b"CSRF" in response.content


@pytest.mark.parametrize("name,path,view", ENDPOINTS, ids=IDS)
def test_admin_get_never_fails(admin_client, name, path, view):
    response = admin_client.get(path)
    assert response.status_code < 500 or (name == "healthz" and response.status_code == 503), (
        f"GET {path}: {response.status_code}")


# --- forms -------------------------------------------------------------------
def _project_form_modules():
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if info.name.rsplit(".", 1)[-1].endswith("forms") and ".migrations" not in info.name:
                yield importlib.import_module(info.name)


def _form_classes_in(module):
    for _, obj in inspect.getmembers(module, inspect.isclass):
        if issubclass(obj, forms.BaseForm) and obj.__module__ == module.__name__ and obj.base_fields:
            yield obj


def _views_using(form_class):
    """(path, method) of every URL whose view class declares this form."""
    for _, path, view in ENDPOINTS:
        view_class = getattr(view, "view_class", None)
        if view_class is None:
            continue
        if getattr(view_class, "form_class", None) is form_class:
            yield path, "post"
        if getattr(view_class, "filter_form", None) is form_class:
            yield path, "get"


def _declared_by_views():
    for _, _, view in ENDPOINTS:
        view_class = getattr(view, "view_class", None)
        for attr in ("form_class", "filter_form"):
            form_class = getattr(view_class, attr, None)
            if inspect.isclass(form_class) and issubclass(form_class, forms.BaseForm):
                yield form_class


FORMS = sorted({*(f for m in _project_form_modules() for f in _form_classes_in(m)), *_declared_by_views()},
               key=lambda f: f"{f.__module__}.{f.__qualname__}")


def test_the_crawl_sees_the_known_forms():
    from cloudadmin.forms import EventFilterForm

    assert EventFilterForm in FORMS


def _build(form_class, data):
    """The form bound to `data`, or None when it needs arguments that only its view knows."""
    try:
        return form_class(data=data)
    except TypeError:
        pass
    required = [p for p in list(inspect.signature(form_class).parameters.values())
                if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                and p.name != "data"]
    # A `user` argument (Django's PasswordChangeForm) gets an unsaved user.
    values = {p.name: get_user_model()(username="fuzz") if p.name == "user" else None for p in required}
    try:
        return form_class(data=data, **values)
    except Exception:  # noqa: BLE001 - not constructible without its view's context
        return None


NASTY_TEXT = st.one_of(
    st.text(max_size=40),  # any unicode, NUL and surrogates included
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "\x00", "0", "-1", "1e400", "NaN", "../../etc/passwd",
                     "nfs://server/path", "http://127.0.0.1:1/auth/v1.0", "<script>x</script>",
                     "a" * 100_000, "\x00" * 1000, "é" * 5000, "10.1.1.1", "::1"]),
)


def _value_strategy(field):
    choices = getattr(field, "choices", None)
    if choices:
        valid = [str(value) for value, _ in choices if not isinstance(_, (list, tuple))]
        if valid:
            return st.one_of(st.sampled_from(valid), NASTY_TEXT)
    if isinstance(field, forms.BooleanField):
        return st.one_of(st.sampled_from(["on", "true", "false", ""]), NASTY_TEXT)
    return NASTY_TEXT


def _data_strategy(form_class):
    return st.fixed_dictionaries(
        {}, optional={name: _value_strategy(field) for name, field in form_class.base_fields.items()})


def _encodable(data):
    # The test client sends form data as UTF-8: lone surrogates cannot travel over HTTP.
    return {k: v.encode("utf-8", "replace").decode("utf-8") for k, v in data.items()}


@pytest.mark.parametrize("form_class", FORMS, ids=[f"{f.__module__}.{f.__qualname__}" for f in FORMS])
def test_forms_never_crash_on_generated_input(admin_client, form_class):
    targets = list(_views_using(form_class))
    direct = _build(form_class, {}) is not None
    assert direct or targets, (
        f"{form_class.__qualname__} can be fuzzed neither directly (it needs arguments besides data=) "
        "nor through a view (no view declares it as form_class/filter_form)")

    @hsettings(max_examples=25, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                      HealthCheck.data_too_large])
    @given(data=_data_strategy(form_class))
    def check(data):
        if direct:
            form = _build(form_class, data)
            form.is_valid()
            str(form.errors)  # rendering the errors must not fail either
        for path, method in targets:
            response = getattr(admin_client, method)(path, _encodable(data))
            assert response.status_code < 500, f"{method.upper()} {path} with {data!r:.200}"

    check()
