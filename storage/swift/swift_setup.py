"""Enable Swift: when it is allowed, the checks before saving, and the lock.

Swift is configured once, before any zone, and never again: the rule is
zones.swift_first's. Only its credentials can change (a rotated key,
another user of the same account), checked as Enable Swift checks them:
the URL, the account (Keystone: the project, its domain and region) stay,
so the templates stay where Swift holds them.
"""
from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from django.utils.translation import gettext_lazy as _

from cloudadmin import events
from cloudadmin.messages import coded
from zones import swift_first

from storage.models import SwiftStore
from storage.swift import client as swift
from storage.swift import keystone

# Seconds for each step of the checks: the operator waits on the dialog.
CHECK_TIMEOUT = 15

NOT_CONFIGURED = _("Swift is not configured.")


class NotAllowed(Exception):
    """Enable Swift refused in the current state (HTTP 409)."""


def ensure_allowed() -> None:
    allowed, reason = swift_first.enable_swift_allowed()
    if not allowed:
        raise NotAllowed(reason)


def safe_target(url: str) -> str:
    """A URL fit for the audit log: no user info, query or fragment (a
    mistyped URL may carry a secret there)."""
    try:
        parsed = urlsplit(str(url).strip())
        host = parsed.hostname or ""
        port = f":{parsed.port}" if parsed.port else ""
    except ValueError:
        return ""
    if not parsed.scheme or not host:
        return ""
    return f"{parsed.scheme}://{host}{port}{parsed.path}"[:255]


def refuse(error: Exception, *, user=None, target: str = "") -> None:
    """Record a refused Enable Swift attempt. The message is safe to store:
    SwiftError and NotAllowed messages never hold the key."""
    events.record_failure("swift.enable", user=user, target=safe_target(target), detail=error)


def probe(creds: swift.Credentials) -> tuple[swift.Credentials, dict]:
    """Authenticate (Keystone: and find Swift in the catalog, storage/swift/keystone.py),
    read /info and create+delete a container; returns the credentials to store
    (with the catalog's region) and the capabilities. Raises SwiftError (one
    safe line) at the first failure."""
    if creds.auth_version != SwiftStore.AuthVersion.V1:
        creds = keystone.check(creds, timeout=CHECK_TIMEOUT)
    conn = swift.connect(creds, timeout=CHECK_TIMEOUT)
    try:
        swift.authenticate(conn)
        caps = swift.capabilities(conn)
        try:
            swift.check_write_access(conn)
        except swift.SwiftError as error:
            if error.status == 403 and creds.auth_version != SwiftStore.AuthVersion.V1:
                raise keystone.no_operator_role() from None
            raise
        return creds, caps
    finally:
        conn.close()


@sensitive_variables("creds")
def configure(creds: swift.Credentials, *, user=None) -> SwiftStore:
    """Check `creds` against Swift, then save the one SwiftStore.

    Raises NotAllowed or SwiftError; either way nothing is saved and a
    failure event is recorded. The state is checked before the (slow) Swift
    checks and again inside the saving transaction; the singleton constraint
    turns a concurrent second save into NotAllowed.
    """
    target = creds.url
    try:
        ensure_allowed()
        creds, caps = probe(creds)
        with transaction.atomic():
            ensure_allowed()
            try:
                with transaction.atomic():
                    store = SwiftStore.objects.create(
                        url=creds.url, account=creds.account, username=creds.username,
                        key=creds.key, auth_version=creds.auth_version, region=creds.region,
                        domain=creds.domain if creds.auth_version == SwiftStore.AuthVersion.V3 else "",
                        capabilities=caps, last_contact=timezone.now())
            except IntegrityError:
                raise NotAllowed(swift_first.ALREADY_CONFIGURED) from None
            events.record("swift.enable", user=user, target=target,
                          detail=coded("%(auth)s, Swift version %(version)s", auth=store.get_auth_version_display(),
                                       version=caps.get("version") or "?"))
        return store
    except (NotAllowed, swift.SwiftError) as error:
        refuse(error, user=user, target=target)
        raise


def tempauth_account(creds: swift.Credentials) -> str:
    """The tempauth account the credentials name: the account field, else
    the part before ':' of account:user."""
    return creds.account or (creds.username.split(":", 1)[0] if ":" in creds.username else "")


def _same_account_username(old: swift.Credentials, username: str) -> str:
    """The typed username as the store keeps it (with or without account:,
    as Enable Swift saved it); tempauth's account may not change."""
    if old.auth_version != SwiftStore.AuthVersion.V1:
        return username  # Keystone: the project (the account field) and its domain stay
    account = tempauth_account(old)
    typed_account, _colon, user = username.rpartition(":")
    if typed_account and typed_account != account:
        raise swift.SwiftError(coded("The account must stay %(account)s: the templates are there. Swift "
                                     "cannot be configured again, only its credentials can change.",
                                     account=account))
    return user if old.account or not account else f"{account}:{user}"


@sensitive_variables("key", "creds")
def change_credentials(username: str, key: str, *, user=None) -> SwiftStore:
    """New credentials for the configured Swift (module docstring). Raises
    NotAllowed (no Swift) or SwiftError (Swift's refusal or the account
    rule, recorded as a failure event); either way nothing is saved.
    Workers' kept connections follow (a new key is a new connection:
    storage.swift.pipeline.thread_connection)."""
    store = SwiftStore.objects.first()
    if store is None:
        raise NotAllowed(NOT_CONFIGURED)
    old = swift.Credentials.from_store(store)
    try:
        creds = dataclasses.replace(old, username=_same_account_username(old, username), key=key)
        creds, caps = probe(creds)
    except swift.SwiftError as error:
        events.record_failure("swift.credentials", user=user, target=store.url, detail=error)
        raise
    with transaction.atomic():
        store = SwiftStore.objects.select_for_update().get(pk=store.pk)
        changed_user = store.username != creds.username
        store.username, store.key, store.capabilities = creds.username, creds.key, caps
        store.last_contact = timezone.now()
        store.save(update_fields=["username", "key", "capabilities", "last_contact"])
        detail = (coded("user %(username)s and a new key", username=creds.username) if changed_user
                  else coded("a new key for %(username)s", username=creds.username))
        events.record("swift.credentials", user=user, target=store.url, detail=detail)
    return store


def check_connection(*, user=None) -> SwiftStore:
    """Re-read the configured Swift's capabilities; on success store them and
    the time of contact. Raises NotAllowed (no Swift) or SwiftError."""
    store = SwiftStore.objects.first()
    if store is None:
        raise NotAllowed(NOT_CONFIGURED)
    conn = swift.connect(swift.Credentials.from_store(store), timeout=CHECK_TIMEOUT)
    try:
        swift.authenticate(conn)
        caps = swift.capabilities(conn)
    except swift.SwiftError as error:
        events.record_failure("swift.test", user=user, target=store.url, detail=error)
        raise
    finally:
        conn.close()
    SwiftStore.objects.filter(pk=store.pk).update(capabilities=caps, last_contact=timezone.now())
    store.refresh_from_db()
    events.record("swift.test", user=user, target=store.url,
                  detail=coded("Swift version %(version)s", version=caps.get("version") or "?"))
    return store
