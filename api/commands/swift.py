"""addSwift and listSwifts, with the rules of the Enable Swift dialog
(storage/swift_setup.py), plus our own async connection test."""
from storage import swift, swift_setup
from storage.forms import EnableSwiftForm
from storage.models import SwiftStore

from .. import jobs
from ..registry import ID, OWN_PREFIX, Param, command, list_payload
from ..responses import (CS_INVALID_PARAMETER_VALUE, CS_RESOURCE_UNAVAILABLE, PARAM_ERROR,
                         RESOURCE_UNAVAILABLE_ERROR, ApiError)
from ..serializers.infrastructure import IMAGE_STORE


def image_store(store: SwiftStore) -> dict:
    """CloudStack's ImageStoreResponse for the Swift store. Never the key."""
    return IMAGE_STORE.serialize(store)


def swift_failure(error: swift.SwiftError) -> ApiError:
    if error.transient:
        return ApiError(RESOURCE_UNAVAILABLE_ERROR, str(error), CS_RESOURCE_UNAVAILABLE)
    return ApiError(PARAM_ERROR, str(error), CS_INVALID_PARAMETER_VALUE)


@command("addSwift", Param("url", required=True, max_length=500), Param("account", max_length=128),
         Param("username", required=True, max_length=128), Param("key", required=True, max_length=1024))
def add_swift(user, url, username, key, account=""):
    """Adds the one Swift shared by the whole cloud (only before any zone)."""
    allowed, reason = swift_setup.enable_swift_allowed()
    if not allowed:
        swift_setup.refuse(swift_setup.NotAllowed(reason), user=user, target=url)
        raise ApiError(PARAM_ERROR, reason, CS_INVALID_PARAMETER_VALUE)
    # The dialog's own form: the same URL, account and username rules.
    form = EnableSwiftForm({"url": url, "account": account, "username": username, "key": key,
                            "auth_version": ""})
    if not form.is_valid():
        problems = "; ".join(f"{field if field != '__all__' else 'account'}: {message}"
                             for field, messages in form.errors.items() for message in messages)
        swift_setup.refuse(Exception(problems), user=user, target=url)
        raise ApiError(PARAM_ERROR, f"Unable to execute API command addswift due to invalid value. {problems}",
                       CS_INVALID_PARAMETER_VALUE)
    try:
        store = swift_setup.configure(form.credentials(), user=user)
    except swift_setup.NotAllowed as refused:
        raise ApiError(PARAM_ERROR, str(refused), CS_INVALID_PARAMETER_VALUE) from None
    except swift.SwiftError as error:
        raise swift_failure(error) from None
    return {"imagestore": image_store(store)}


@command("listSwifts", Param("id", ID, model="storage.SwiftStore"), is_list=True)
def list_swifts(user, id=None, keyword=None, **paging):
    """Lists the Swift store."""
    stores = SwiftStore.objects.all()
    if id is not None:
        stores = stores.filter(pk=id)
    if keyword:
        stores = stores.filter(url__icontains=keyword)
    return list_payload("imagestore", [image_store(store) for store in stores], paging)


def _run_test_swift(job):
    try:
        store = swift_setup.check_connection(user=job.user)
    except swift_setup.NotAllowed as refused:
        raise ApiError(PARAM_ERROR, str(refused), CS_INVALID_PARAMETER_VALUE) from None
    except swift.SwiftError as error:
        raise swift_failure(error) from None
    return {"imagestore": image_store(store)}


@command(f"{OWN_PREFIX}TestSwift", is_async=True, run=_run_test_swift)
def test_swift(user):
    """Our own: re-reads the configured Swift's capabilities (async job)."""
    store = SwiftStore.objects.first()
    if store is None:
        raise ApiError(PARAM_ERROR, "Swift is not configured.", CS_INVALID_PARAMETER_VALUE)
    return jobs.start(user, f"{OWN_PREFIX}TestSwift", {}, instance_type="ImageStore", instance_id=store.uuid)
