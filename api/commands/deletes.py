"""deleteZone, deletePod, deleteCluster, deleteHost, deleteStoragePool and
deleteImageStore: CloudStack's synchronous deletes, answering its
SuccessResponse. Each goes through the zone inventory (zones.inventory),
whose rules the zone pages apply too; a refusal is a 431 with its reason."""
from storage.models import SecondaryStorage
from zones import inventory
from zones.models import Cluster, Host, Pod, PrimaryStorage, Zone

from ..registry import BOOLEAN, ID, Param, command
from ..responses import CS_INVALID_PARAMETER_VALUE, PARAM_ERROR, ApiError
from ..serializers.system import SUCCESS
from .forms import not_found

VIA = " (API)"


def _find(command_name, model, pk, *related):
    record = model.objects.select_related(*related).filter(pk=pk).first()
    if record is None:
        raise not_found(command_name, "id", pk)
    return record


def _removed(remove, record, **kwargs) -> dict:
    try:
        remove(record, **kwargs, via=VIA)
    except inventory.RemovalRefused as refused:
        raise ApiError(PARAM_ERROR, refused.english(), CS_INVALID_PARAMETER_VALUE) from None
    return SUCCESS.serialize(record)


@command("deleteZone", Param("id", ID, required=True, model="zones.Zone"))
def delete_zone(user, id):
    """Deletes a Disabled zone and its pods, clusters, hosts and storage records (never files on NFS or Swift)."""
    zone = _find("deleteZone", Zone, id)
    return _removed(lambda zone, **kwargs: inventory.delete_zone(zone.pk, **kwargs), zone, user=user)


@command("deletePod", Param("id", ID, required=True, model="zones.Pod"))
def delete_pod(user, id):
    """Deletes a pod that has no clusters."""
    return _removed(inventory.delete_pod, _find("deletePod", Pod, id, "zone"), user=user)


@command("deleteCluster", Param("id", ID, required=True, model="zones.Cluster"))
def delete_cluster(user, id):
    """Deletes a cluster that has no hosts and no primary storage."""
    return _removed(inventory.delete_cluster, _find("deleteCluster", Cluster, id, "pod__zone"), user=user)


@command("deleteHost", Param("id", ID, required=True, model="zones.Host"), Param("forced", BOOLEAN),
         Param("forcedestroylocalstorage", BOOLEAN))
def delete_host(user, id, forced=False, forcedestroylocalstorage=False):
    """Deletes a host, unless it is the last one of an Enabled zone (forced changes nothing: hosts run nothing here)."""
    return _removed(inventory.delete_host, _find("deleteHost", Host, id, "cluster__pod__zone"), user=user)


@command("deleteStoragePool", Param("id", ID, required=True, model="zones.PrimaryStorage"), Param("forced", BOOLEAN))
def delete_storage_pool(user, id, forced=False):
    """Deletes primary storage, unless it is the last of an Enabled zone (forced changes nothing here)."""
    return _removed(inventory.delete_primary_storage,
                    _find("deleteStoragePool", PrimaryStorage, id, "cluster__pod__zone"), user=user)


@command("deleteImageStore", Param("id", ID, required=True, model="storage.SecondaryStorage"))
def delete_image_store(user, id):
    """Deletes a zone's NFS secondary storage record (never its files), unless it is the last of an Enabled zone
    or the zone has transfers or scans queued or running."""
    return _removed(inventory.delete_secondary_storage, _find("deleteImageStore", SecondaryStorage, id, "zone"),
                    user=user)
