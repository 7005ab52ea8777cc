"""addSecondaryStorage, addImageStore and listImageStores: the zones' NFS secondary
storage (and the Swift, listed with them as CloudStack does)."""
from urllib.parse import urlsplit

from storage.models import SecondaryStorage, SwiftStore
from zones import forms as wizard_forms
from zones import inventory
from zones.models import Zone

from ..registry import CHOICE, ID, Param, command, list_payload
from ..responses import CS_INVALID_PARAMETER_VALUE, PARAM_ERROR, ApiError
from ..serializers.infrastructure import IMAGE_STORE
from .forms import not_found, validated
from .swift import image_store

BAD_URL = "url must be nfs://server/path, such as nfs://192.168.1.10/export/secondary."


def secondary_storage_response(store: SecondaryStorage) -> dict:
    return IMAGE_STORE.serialize(store)


def _add_nfs_store(command_name, user, url, zoneid) -> SecondaryStorage:
    """A zone's new NFS secondary storage, with the wizard's NFS Server and
    Path rules; a worker then checks the share and sets it Up or Down."""
    zone = Zone.objects.filter(pk=zoneid).first()
    if zone is None:
        raise not_found(command_name, "zoneid", zoneid)
    try:
        parsed = urlsplit(url.strip())
        server = parsed.hostname or ""
    except ValueError:
        parsed, server = None, ""
    if parsed is None or parsed.scheme.lower() != "nfs" or not server or not parsed.path:
        raise ApiError(PARAM_ERROR, BAD_URL, CS_INVALID_PARAMETER_VALUE)
    values = validated(command_name, wizard_forms.SecondaryStorageForm({"nfs_server": server, "path": parsed.path}))
    return inventory.add_secondary_storage(zone, server=values["nfs_server"], path=values["path"], checked_ok=False,
                                           user=user, via=" (API)")


@command("addSecondaryStorage", Param("url", required=True, max_length=1300), Param("zoneid", ID, required=True))
def add_secondary_storage(user, url, zoneid):
    """Adds NFS secondary storage to a zone, with the wizard's NFS Server and Path rules."""
    return {"secondarystorage": secondary_storage_response(_add_nfs_store("addSecondaryStorage", user, url, zoneid))}


@command("addImageStore", Param("url", required=True, max_length=1300), Param("zoneid", ID, required=True),
         Param("provider", CHOICE, required=True, choices=("NFS",)), Param("name", max_length=255))
def add_image_store(user, provider, url, zoneid, name=None):
    """Adds NFS secondary storage to a zone (provider NFS; Swift is added with addSwift). Its name is its URL."""
    return {"imagestore": secondary_storage_response(_add_nfs_store("addImageStore", user, url, zoneid))}


@command("listImageStores", Param("id"), Param("name"), Param("zoneid", ID),
         Param("provider", CHOICE, choices=("NFS", "Swift")), Param("protocol"), is_list=True)
def list_image_stores(user, id=None, name=None, zoneid=None, provider=None, protocol=None, keyword=None,
                      **paging):
    """Lists image stores: each zone's NFS secondary storage, and the Swift."""
    items = []
    if provider in (None, "NFS"):
        stores = SecondaryStorage.objects.select_related("zone")
        if zoneid is not None:
            stores = stores.filter(zone_id=zoneid)
        items += [secondary_storage_response(store) for store in stores]
    if provider in (None, "Swift") and zoneid is None:
        items += [image_store(store) for store in SwiftStore.objects.all()]
    if id:
        items = [item for item in items if item["id"] == id.strip().lower()]
    if name:
        items = [item for item in items if item["name"].lower() == name.lower()]
    if protocol:
        items = [item for item in items if item["protocol"].lower() == protocol.lower()]
    if keyword:
        items = [item for item in items if keyword.lower() in item["url"].lower()]
    return list_payload("imagestore", items, paging)
