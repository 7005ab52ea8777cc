"""/client/api: authentication by signature, CloudStack's error form, and
the commands that need no Swift or worker (the rest run against the real
services in tests/integration/test_api_cs_client.py)."""
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from api import registry
from api.models import ApiKey
from cloudadmin import config, startup
from cloudadmin.models import Event, GlobalSetting
from storage.models import SwiftStore, Template, TemplateLocation
from tests.api_helpers import call, key_pair, signed, unwrap, xml_root
from zones.models import Cluster, Host, Pod, Zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(admin_user):
    return key_pair(admin_user)


def auth_failures():
    return Event.objects.filter(action="api.auth", outcome="failure")


# --- signatures --------------------------------------------------------------
@pytest.mark.parametrize("keyword", ["two words", "star*", "a * b", "日本語", "émoji 🚀", "tilde~", "a+b&c=d",
                                     "%20", "'\"<>"])
def test_signed_values_with_spaces_stars_and_unicode_are_accepted(client, keys, keyword):
    status, body = call(client, "listConfigurations", *keys, keyword=keyword)
    assert status == 200, body
    status, body = call(client, "listConfigurations", *keys, method="post", keyword=keyword)
    assert status == 200, body
    assert not auth_failures().exists()


def test_keyword_filter_works_through_the_signature(client, keys):
    status, body = call(client, "listConfigurations", *keys, keyword="Static Large Object")
    assert status == 200
    assert [c["name"] for c in body["configuration"]] == ["swift.segment.size"]


def test_map_parameters_like_tags_are_signed_in_sorted_order(client, keys):
    # cs turns a list of dicts into tags[0].key=..., tags[1].key=...
    status, body = call(client, "listConfigurations", *keys, name="swift.sync",
                        tags=[{"key": "a b", "value": "*"}, {"key": "ü", "value": "z"}])
    assert status == 200 and body["count"] == 1


def test_a_plain_request_without_signature_version_is_accepted(client, keys):
    data = signed("listSwifts", *keys, expiration=-1)
    assert "expires" not in data and "signatureVersion" not in data
    assert client.get("/client/api", data).status_code == 200


def _refused(response):
    body = unwrap(response)
    assert response.status_code == 401
    assert body["errorcode"] == 401 and body["errortext"] == (
        "unable to verify user credentials and/or request signature")
    assert "cserrorcode" in body
    return body


def test_wrong_secret_is_refused_and_recorded(client, admin_user, keys):
    response = client.get("/client/api", signed("listSwifts", keys[0], "not-the-secret"))
    _refused(response)
    event = auth_failures().get()
    assert event.username == "admin" and "signature mismatch" in event.detail
    assert event.target == f"127.0.0.1 key {keys[0][:12]}"  # counted per (address, key)


def test_unknown_key_missing_signature_and_tampered_values_are_refused(client, keys):
    _refused(client.get("/client/api", signed("listSwifts", "no-such-key", keys[1])))
    data = signed("listSwifts", *keys)
    del data["signature"]
    _refused(client.get("/client/api", data))
    data = signed("listConfigurations", *keys, name="enable.swift")
    data["name"] = "swift.sync.interval"
    _refused(client.get("/client/api", data))
    assert auth_failures().count() == 3


def test_expired_v3_request_is_refused(client, keys):
    data = signed("listSwifts", *keys)
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    data.pop("signature")
    data["expires"] = past.strftime("%Y-%m-%dT%H:%M:%S%z")
    from cs.client import CloudStack
    CloudStack("x", key=keys[0], secret=keys[1])._sign(data)  # properly signed, but expired
    _refused(client.get("/client/api", data))
    assert "expired" in auth_failures().get().detail


def test_v3_without_expires_is_refused(client, keys):
    data = signed("listSwifts", *keys, expiration=-1)
    data.pop("signature")
    data["signatureVersion"] = "3"
    from cs.client import CloudStack
    CloudStack("x", key=keys[0], secret=keys[1])._sign(data)
    _refused(client.get("/client/api", data))


def test_repeated_parameter_is_refused_before_anything_runs(client, keys):
    data = signed("updateConfiguration", *keys, name="swift.sync.interval", value="60")
    query = urlencode(data) + "&value=90"
    response = client.get(f"/client/api?{query}")
    body = unwrap(response)
    assert response.status_code == 430 and body["errorcode"] == 430
    assert "value is given more than once" in body["errortext"]
    assert config.value("swift.sync.interval") == 300
    # In another letter case, or once in the query and once in the body, too.
    response = client.get(f"/client/api?{urlencode(data)}&VALUE=90")
    assert response.status_code == 430
    response = client.post(f"/client/api?value=90", data)
    assert response.status_code == 430
    assert config.value("swift.sync.interval") == 300


def test_inactive_or_non_staff_key_owner_is_refused(client, admin_user, keys):
    admin_user.is_staff = False
    admin_user.save()
    _refused(client.get("/client/api", signed("listSwifts", *keys)))


def test_regenerated_key_stops_the_old_pair(client, admin_user, keys):
    new = key_pair(admin_user)
    _refused(client.get("/client/api", signed("listSwifts", *keys)))
    assert client.get("/client/api", signed("listSwifts", *new)).status_code == 200


def _throttled(response):
    body = unwrap(response)
    assert response.status_code == 429 and body["errorcode"] == 429, body
    assert "too many failed API requests" in body["errortext"]


def _unsigned(command="listSwifts"):
    return {"command": command, "response": "json"}


def test_failures_without_a_known_key_never_lock_out_a_valid_key(client, keys, settings):
    # Behind a proxy every client shares one address: a scanner's unsigned
    # requests must not stop the admins' signed ones.
    settings.API_SIGNATURE_FAILURE_LIMIT = 3
    for _ in range(2):
        _refused(client.get("/client/api", _unsigned()))
    _refused(client.get("/client/api", signed("listSwifts", "no-such-key", "x")))
    # Missing and unknown keys share one bucket per address, now full: refused
    # before any check, and floods add no events.
    for data in (_unsigned(), signed("listSwifts", "another-unknown-key", "x")):
        _throttled(client.get("/client/api", data))
    assert auth_failures().count() == 3
    assert client.get("/client/api", signed("listSwifts", *keys)).status_code == 200
    # A wrong signature for the known key is judged in that key's own bucket.
    _refused(client.get("/client/api", signed("listSwifts", keys[0], "wrong")))


def test_a_correct_signature_passes_even_when_its_key_is_throttled(client, admin_user, keys, settings,
                                                                   django_user_model):
    settings.API_SIGNATURE_FAILURE_LIMIT = 3
    for _ in range(3):
        _refused(client.get("/client/api", signed("listSwifts", keys[0], "wrong")))
    _throttled(client.get("/client/api", signed("listSwifts", keys[0], "wrong")))
    assert auth_failures().count() == 3
    # Whoever else guessed wrong, the key's holder gets through ...
    assert client.get("/client/api", signed("listSwifts", *keys)).status_code == 200
    # ... and another admin's key from the same address is counted apart.
    other = django_user_model.objects.create_user("admin2", password="x-very-long-pass", is_staff=True)
    other_keys = key_pair(other)
    _refused(client.get("/client/api", signed("listSwifts", other_keys[0], "wrong")))
    assert client.get("/client/api", signed("listSwifts", *other_keys)).status_code == 200
    # Another address is not affected; failures age out of the window.
    _refused(client.get("/client/api", signed("listSwifts", keys[0], "wrong"), REMOTE_ADDR="127.0.0.2"))
    auth_failures().update(created=datetime.now(timezone.utc) - timedelta(hours=1))
    _refused(client.get("/client/api", signed("listSwifts", keys[0], "wrong")))


def test_a_logged_in_session_is_no_credential(admin_client):
    # The endpoint authenticates by signature only: the admin's session
    # cookie (all a cross-site request could carry) gets nothing.
    response = admin_client.post("/client/api", {"command": "updateConfiguration", "name": "swift.sync.interval",
                                                 "value": "60", "response": "json"})
    _refused(response)
    assert config.value("swift.sync.interval") == 300


def test_signed_post_needs_no_csrf_token(admin_user, keys):
    client = Client(enforce_csrf_checks=True)
    data = signed("updateConfiguration", *keys, name="swift.sync.interval", value="60")
    response = client.post("/client/api", data)
    assert response.status_code == 200, response.content
    assert config.value("swift.sync.interval") == 60


# --- answer forms -------------------------------------------------------------
def test_xml_is_the_default(client, keys):
    response = client.get("/client/api", signed("listConfigurations", *keys, json_response=False,
                                                 name="enable.swift"))
    assert response.status_code == 200
    root = xml_root(response)
    assert root.tag == "listconfigurationsresponse" and root.get("cloud-stack-version")
    assert root.findtext("count") == "1"
    assert root.find("configuration").findtext("name") == "enable.swift"
    assert root.find("configuration").findtext("isdynamic") == "false"


def test_xml_errors_have_the_three_fields(client, keys):
    response = client.get("/client/api", signed("updateConfiguration", *keys, json_response=False,
                                                 name="enable.swift"))
    assert response.status_code == 431
    root = xml_root(response)
    assert root.tag == "updateconfigurationresponse"
    assert (root.findtext("errorcode"), root.findtext("cserrorcode")) == ("431", "9999")
    assert root.findtext("errortext") == "Unable to execute API command updateconfiguration due to missing parameter value"


def test_xml_carries_control_characters_safely(client, keys):
    response = client.get("/client/api", signed("updateConfiguration", *keys, json_response=False,
                                                 name="swift.sync.interval", value="1\x01\x00"))
    assert response.status_code == 431
    assert "NUL" in xml_root(response).findtext("errortext")


def test_unknown_and_missing_command(client, keys):
    response = client.get("/client/api", signed("deployVirtualMachine", *keys))
    body = unwrap(response)
    assert response.status_code == 432 and body["errorcode"] == 432
    assert set(json.loads(response.content)) == {"errorresponse"}
    data = signed("listSwifts", *keys)
    data.pop("signature")
    data.pop("command")
    from cs.client import CloudStack
    CloudStack("x", key=keys[0], secret=keys[1])._sign(data)
    response = client.get("/client/api", data)
    assert response.status_code == 431 and "missing parameter command" in unwrap(response)["errortext"]


@pytest.mark.parametrize("zoneid", ["--5", "-", "5-", "1e3", "\uff15", "\u00b2"])
def test_malformed_ids_are_a_parameter_error_not_an_internal_one(client, keys, zoneid):
    status, body = call(client, "listZones", *keys, id=zoneid)
    assert status == 431 and body["errorcode"] == 431, body


# --- configurations ------------------------------------------------------------
def test_update_configuration_dynamic_and_restart_required(client, admin_user, keys):
    status, body = call(client, "updateConfiguration", *keys, name="swift.sync.interval", value="120")
    assert status == 200 and body["configuration"]["value"] == "120"
    status, body = call(client, "updateConfiguration", *keys, name="enable.swift", value="true")
    assert status == 200
    configuration = body["configuration"]
    assert configuration["value"] == "false" and configuration["cloudadminpendingvalue"] == "true"
    assert configuration["isdynamic"] is False
    assert config.value("enable.swift") is False
    assert Event.objects.filter(action="setting.change", target="enable.swift", user=admin_user).exists()

    startup.apply_pending_settings()  # the management server restarts
    status, body = call(client, "listConfigurations", *keys, name="enable.swift")
    assert body["configuration"][0]["value"] == "true"
    assert "cloudadminpendingvalue" not in body["configuration"][0]


@pytest.mark.parametrize("name,value,text", [
    ("enable.swift", "maybe", "enable.swift must be true or false."),
    ("swift.sync.interval", "5", "swift.sync.interval must be at least 10."),
    ("no.such.setting", "1", "Config parameter with name no.such.setting doesn't exist"),
])
def test_update_configuration_refusals(client, keys, name, value, text):
    status, body = call(client, "updateConfiguration", *keys, name=name, value=value)
    assert status == 431 and body["errortext"] == text and body["cserrorcode"] == 4350
    assert not GlobalSetting.objects.filter(pending_value__isnull=False).exists()


def test_list_configurations_paging(client, keys):
    status, body = call(client, "listConfigurations", *keys, page=2, pagesize=3)
    assert status == 200 and body["count"] == len(config.DEFINITIONS)
    assert len(body["configuration"]) == len(config.DEFINITIONS) - 3


# --- Swift refusals that need no Swift ---------------------------------------------
def test_add_swift_refused_before_enable_swift_is_in_effect(client, keys):
    status, body = call(client, "addSwift", *keys, url="http://127.0.0.1:1/auth/v1.0",
                        username="test:tester", key="testing")
    assert status == 431 and "enable.swift is not in effect" in body["errortext"]
    assert not SwiftStore.objects.exists()
    event = Event.objects.get(action="swift.enable")
    assert event.outcome == "failure" and "testing" not in event.detail


def test_add_swift_validation_is_the_dialogs(client, keys):
    GlobalSetting.objects.filter(name="enable.swift").update(value="true")
    status, body = call(client, "addSwift", *keys, url="ftp://swift/auth/v1.0", username="tester", key="k")
    assert status == 431
    assert "Enter the auth URL, starting with http:// or https://." in body["errortext"]
    status, body = call(client, "addSwift", *keys, url="http://swift/auth/v1.0", username="tester", key="k")
    assert status == 431 and "tempauth needs an account" in body["errortext"]


def test_query_async_job_result_of_an_unknown_job(client, keys):
    status, body = call(client, "queryAsyncJobResult", *keys, jobid="6f1c1a9e-0000-4000-8000-000000000000")
    assert status == 431 and "no such job" in body["errortext"]


# --- every command: missing and invalid parameters -------------------------------------
COMMANDS = sorted(registry.COMMANDS.values(), key=lambda c: c.name)


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_every_required_parameter_missing_is_a_param_error(client, keys, command):
    required = [p.name for p in command.params if p.required]
    full = {p.name: "1" for p in command.params if p.required}
    for name in required:
        params = {k: v for k, v in full.items() if k != name}
        status, body = call(client, command.name, *keys, **params)
        assert status == 431, (command.name, name, body)
        assert body["errortext"].endswith(f"due to missing parameter {name}")
        assert body["cserrorcode"] and body["errorcode"] == 431


VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "\x00", "0", "-1", "1", "99999999999999999999", "true", "maybe", "NaN",
                     "nfs://server/path", "http://127.0.0.1:1/auth/v1.0", "<x>&", "a" * 5000, "é" * 300,
                     "6f1c1a9e-0000-4000-8000-000000000000", "Enabled", "Advanced"]),
    st.integers(min_value=-(2**64), max_value=2**64).map(str),
    st.uuids().map(str), st.uuids().map(lambda value: str(value).upper()),
)


def _existing_uuids() -> list[str]:
    """A zone with a pod, cluster and host, and a template in Swift and in the zone, so that
    generated ids also name real objects."""
    zone = Zone.objects.create(name="Fuzz", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="XenServer", allocation_state="Enabled")
    pod = Pod.objects.create(zone=zone, name="P", gateway="10.0.0.1", netmask="255.255.255.0",
                             start_ip="10.0.0.10", end_ip="10.0.0.20")
    cluster = Cluster.objects.create(pod=pod, name="C", hypervisor="XenServer")
    host = Host.objects.create(cluster=cluster, host_name="10.0.0.11", username="root", password="x")
    template = Template.objects.create(id=1, name="routing-1", format="vhd", size=10, swift_state="Stored")
    TemplateLocation.objects.create(template=template, zone=zone, state="Ready")
    return [str(row.uuid) for row in (zone, pod, cluster, host, template)]


def _utf8(text):
    return text.encode("utf-8", "replace").decode("utf-8")


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_every_command_answers_generated_input_in_cloudstacks_form(client, keys, command):
    GlobalSetting.objects.filter(name="enable.swift").update(value="true")
    names = [p.name for p in command.params] + ["id", "zoneid", "unknown"]
    values = st.one_of(VALUES, st.sampled_from(_existing_uuids()))

    @hsettings(max_examples=30, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(params=st.dictionaries(st.sampled_from(names), values, max_size=6))
    def check(params):
        data = signed(command.name, *keys, **{k: _utf8(v) for k, v in params.items()})
        response = client.post("/client/api", data)
        body = unwrap(response)
        # 534: Swift (here, nothing) could not be reached, CloudStack's own code.
        assert response.status_code in (200, 429, 430, 431) or (
            response.status_code == 534 and command.name == "addSwift"), (response.status_code, body)
        if response.status_code != 200:
            assert {"errorcode", "cserrorcode", "errortext"} <= set(body)
            assert body["errorcode"] == response.status_code

    check()
    assert not ApiKey.objects.filter(last_used__isnull=True).exists()


def test_oversized_and_overlong_requests_get_cloudstacks_error_form(client, keys, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    data = signed("listSwifts", *keys)
    many = {**data, **{f"p{i}": "x" for i in range(60)}}
    form = "application/x-www-form-urlencoded"  # what cs posts
    for response in (client.get("/client/api", many),
                     client.post("/client/api", urlencode(many), content_type=form)):
        assert response.status_code == 430, response.content[:200]
        assert "Malformed request" in unwrap(response)["errortext"]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post("/client/api", urlencode({**data, "keyword": "x" * 5000}), content_type=form)
    # A body too large to read cannot say it wants JSON: CloudStack's default form.
    assert response.status_code == 430 and xml_root(response).findtext("errorcode") == "430"


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused_in_cloudstacks_form(client, keys, method):
    response = getattr(client, method)("/client/api?" + urlencode(signed("listSwifts", *keys)))
    assert response.status_code == 405 and unwrap(response)["errorcode"] == 405


def test_list_apis_describes_every_command(client, keys):
    status, body = call(client, "listApis", *keys)
    assert status == 200 and body["count"] == len(registry.COMMANDS)
    by_name = {api["name"]: api for api in body["api"]}
    [jobid] = by_name["queryAsyncJobResult"]["params"]
    assert (jobid["name"], jobid["type"], jobid["required"]) == ("jobid", "string", True)
    assert {"name": "page", "description": "", "type": "integer", "length": 255, "required": False} in (
        by_name["listConfigurations"]["params"])
    assert by_name["cloudadminTestSwift"]["isasync"] is True and by_name["cloudadminTestSwift"]["cloudadminown"]
    assert not by_name["listConfigurations"]["cloudadminown"]
    status, body = call(client, "listApis", *keys, name="addswift")
    assert [api["name"] for api in body["api"]] == ["addSwift"]
