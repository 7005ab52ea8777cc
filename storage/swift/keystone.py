"""Keystone for Enable Swift: authenticate, find the object-store endpoint in
the catalog (by region), and say clearly what went wrong.

swiftclient's own Keystone errors are one line for everything ("Unauthorized.
Check username/id, password, tenant name/id..."); the live check goes through
keystoneauth1 here first, so that a wrong password, an unknown project, a
catalog without Swift and an unreachable Keystone each get their message.
"""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v2, v3

from .client import NO_OBJECT_STORE, Credentials, SwiftError
from .client import _failed  # the same '<action>: <problem>' lines as client.py

ACTION = _("Keystone authentication")


class RegionNeeded(SwiftError):
    """The catalog has object-store endpoints in several regions and none was
    chosen: `regions` lists them for the dialog's choice."""

    def __init__(self, regions: list[str]):
        super().__init__(_failed(ACTION, format_lazy(
            _("Swift is in several regions ({regions}): choose one"), regions=", ".join(regions))))
        self.regions = regions


def no_operator_role() -> SwiftError:
    """Swift's keystoneauth refused a container: the user lacks an operator role."""
    return SwiftError(_failed(_("Creating a container"), _(
        "the user has no Swift operator role on this project (403)")), status=403)


def _password_plugin(creds: Credentials, *, scoped: bool = True):
    project = creds.account if scoped else None
    if creds.auth_version == "2.0":
        return v2.Password(auth_url=creds.url, username=creds.username, password=creds.key,
                           tenant_name=project or None)
    return v3.Password(auth_url=creds.url, username=creds.username, password=creds.key,
                       user_domain_name=creds.domain, project_name=project or None,
                       project_domain_name=creds.domain if project else None)


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1]


def _access(creds: Credentials, timeout: float, *, scoped: bool = True):
    plugin = _password_plugin(creds, scoped=scoped)
    return plugin.get_access(ks_session.Session(auth=plugin, timeout=timeout))


def _explain_401(creds: Credentials, timeout: float) -> SwiftError:
    """Keystone answers 401 both to a wrong password and to a project the user
    cannot use; an unscoped token (no project) tells them apart."""
    if creds.account:
        try:
            _access(creds, timeout, scoped=False)
        except ks_exceptions.ClientException:
            pass
        else:
            return SwiftError(_failed(ACTION, format_lazy(
                _("the password is right, but project {project} does not exist in domain {domain} "
                  "or the user has no role on it (401)"), project=creds.account, domain=creds.domain)),
                status=401)
    if creds.auth_version == "3":
        problem = format_lazy(_("wrong username or password, or the user is not in domain {domain} (401)"),
                              domain=creds.domain)
    else:
        problem = _("wrong username or password (401)")
    return SwiftError(_failed(ACTION, problem), status=401)


def object_store_regions(access) -> list[str]:
    """The regions of the catalog's public object-store endpoints."""
    endpoints = access.service_catalog.get_endpoints(service_type="object-store", interface="public")
    return sorted({(e.get("region_id") or e.get("region") or "") for e in endpoints.get("object-store", [])})


def check(creds: Credentials, *, timeout: float) -> Credentials:
    """Authenticate at Keystone and find Swift in the catalog. Returns the
    credentials with the region to use (filled in when the catalog has one).
    Raises SwiftError with a message for each way it fails, RegionNeeded when
    a region must be chosen."""
    try:
        access = _access(creds, timeout)
    except ks_exceptions.Unauthorized:
        raise _explain_401(creds, timeout) from None
    except (ks_exceptions.ConnectTimeout, ks_exceptions.RequestTimeout):
        raise SwiftError(_failed(ACTION, _("timed out")), transient=True) from None
    except ks_exceptions.ConnectFailure:
        raise SwiftError(_failed(ACTION, format_lazy(_("cannot reach Keystone at {host}"), host=_host(creds.url))),
                         transient=True) from None
    except ks_exceptions.NotFound:
        if creds.auth_version == "2.0":
            problem = _("this Keystone does not serve v2.0 (404): use its /v3 URL")
        else:
            problem = _("not a Keystone identity URL (404)")
        raise SwiftError(_failed(ACTION, problem), status=404) from None
    except ks_exceptions.HttpError as error:
        raise SwiftError(_failed(ACTION, format_lazy(_("Keystone answered {status}"), status=error.http_status)),
                         status=error.http_status, transient=(error.http_status or 0) >= 500) from None
    except ks_exceptions.ClientException:  # e.g. a web page: the answer is not Keystone's JSON
        raise SwiftError(_failed(ACTION, _("not a Keystone identity URL (the answer is not JSON)"))) from None
    regions = object_store_regions(access)
    if not regions:
        raise SwiftError(_failed(ACTION, NO_OBJECT_STORE))
    if creds.region:
        if creds.region not in regions:
            raise SwiftError(_failed(ACTION, format_lazy(
                _("no object-store endpoint in region {region} (the catalog has: {regions})"),
                region=creds.region, regions=", ".join(regions))))
        return creds
    if len(regions) > 1:
        raise RegionNeeded(regions)
    return replace(creds, region=regions[0]) if regions[0] else creds
