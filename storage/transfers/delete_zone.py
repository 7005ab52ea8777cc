"""The runner of direction DELETE_ZONE: a template's folder on a zone's NFS
secondary storage, removed through the one writer of template folders in
the order storage.secondary.layout.deletion_order gives (template.properties
first, then the image and any other file, then the folder). Progress counts
the entries removed and their bytes; a retry finds only what is left."""
from __future__ import annotations

from cloudadmin.messages import coded
from storage.failures import TransferFailed
from storage.models import SwiftStore, TemplateLocation, Transfer
from storage.secondary import layout, nfs, writer
from storage.transfers.progress import Progress
from storage.transfers.removal import remove_all


def run(transfer: Transfer, progress: Progress, store: SwiftStore | None) -> str:
    template = transfer.template
    location = (TemplateLocation.objects.select_related("secondary_storage")
                .filter(template=template, zone=transfer.zone).first())
    if location is not None and location.secondary_storage is not None:
        nfs_store = location.secondary_storage
    else:
        nfs_store = layout.zone_store_root(transfer.zone)[0]
    root = nfs.local_path(nfs_store.server, nfs_store.path)
    if not root.is_dir():
        raise TransferFailed(coded("the secondary storage %(url)s is not mounted at %(folder)s",
                                     url=nfs_store.url, folder=root))
    account = template.account_id if template.account_id is not None else 1
    rel = location.path if location is not None and location.path else layout.template_rel(account, template.pk)
    order = layout.deletion_order(root / rel)
    remove_all(transfer, progress, order, lambda entry: writer.remove_entry(entry, root, nfs_store))
    return ""
