"""Shared set-up for the transfer tests: the zone, share and SwiftStore
builders of sampledata.shares, waiting for an outcome, the swift CLI."""
import subprocess
import time

from sampledata.shares import (  # noqa: F401 - the tests' names
    add_template, credentials_for, make_swift_store, make_zone)
from storage.swift.localswift import AUTH_KEY, AUTH_USER
from storage.models import Transfer
from zones.models import Zone


def enable_zone(zone, user=None):
    """The zone's Enable action itself (state, event and storage hook in one
    transaction)."""
    from zones import wizard

    wizard.set_allocation(zone.pk, Zone.AllocationState.ENABLED, user=user)
    zone.refresh_from_db()


def wait_for(predicate, timeout=90, interval=0.1, message="condition"):
    """Poll until predicate() is truthy (no timing is asserted: the limit
    only keeps a broken run from hanging)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


def wait_transfer(template_id, states=Transfer.TERMINAL_STATES, timeout=90, **filters):
    def ended():
        return Transfer.objects.filter(template_id=template_id, state__in=states, **filters).order_by("-id").first()
    return wait_for(ended, timeout=timeout, message=f"transfer of T-{template_id} in {states}")


def swift_cli(local_swift, *args, cwd=None) -> str:
    """Run the `swift` command-line client as a user would."""
    from tests.conftest import ROOT

    binary = ROOT / ".venv" / "bin" / "swift"
    creds = credentials_for(local_swift)
    if creds.auth_version == "3":
        auth = ["--auth-version", "3", "--os-auth-url", creds.url, "--os-username", creds.username,
                "--os-password", creds.key, "--os-project-name", creds.account,
                "--os-user-domain-name", creds.domain, "--os-project-domain-name", creds.domain]
    else:
        auth = ["-A", creds.url, "-U", AUTH_USER, "-K", creds.key]
    return subprocess.run([str(binary), *auth, *args],
                          check=True, capture_output=True, text=True, cwd=cwd, timeout=120).stdout
