"""Helpers for the API tests: a key pair for an admin and requests signed
by the real `cs` client's own signing code (not ours)."""
import json
from xml.etree import ElementTree

from cs.client import CloudStack, transform

from api import keys

ENDPOINT = "http://testserver/client/api"


def key_pair(user):
    key = keys.generate(user)
    return key.api_key, key.secret


def signed(command, api_key, secret, *, json_response=True, expiration=600, **params):
    """The parameters of a request that `cs` would send (signatureVersion 3
    with `expires` unless expiration is negative)."""
    client = CloudStack(ENDPOINT, key=api_key, secret=secret, expiration=expiration)
    _, prepared = client._prepare_request(command, json=json_response, **params)
    transform(prepared)
    client._sign(prepared)
    return prepared


def call(http, command, api_key, secret, *, method="get", **params):
    """(status, the value inside `<command>response`) of a signed JSON call."""
    data = signed(command, api_key, secret, **params)
    response = getattr(http, method)("/client/api", data)
    return response.status_code, unwrap(response)


def unwrap(response):
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body = json.loads(response.content)
    [(name, value)] = body.items()
    return value


def xml_root(response):
    assert response["Content-Type"].startswith("text/xml"), response.content[:300]
    return ElementTree.fromstring(response.content)
