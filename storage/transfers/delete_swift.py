"""The runner of direction DELETE_SWIFT: a template's objects in Swift, in
the order storage.swift.objects.deletion_order gives (template.properties,
the manifests alone, then the segments one by one), then the containers
T-<id>_segments and T-<id>. Progress counts the objects deleted and their
bytes; a retry lists what is left and goes on."""
from __future__ import annotations

from storage.models import SwiftStore, Transfer
from storage.swift import client as swift
from storage.swift import objects
from storage.swift.objects import SWIFT_TIMEOUT
from storage.transfers.progress import Progress
from storage.transfers.removal import remove_all


def run(transfer: Transfer, progress: Progress, store: SwiftStore) -> str:
    container = transfer.template.swift_container
    with swift.store_connection(store, timeout=SWIFT_TIMEOUT) as conn:
        order = objects.deletion_order(conn, container)
        remove_all(transfer, progress, [((name_container, name), size) for name_container, name, size in order],
                   lambda entry: swift.delete_object(conn, *entry))
        # Empty now; a listing not yet caught up with the deletes is a transient 409.
        swift.delete_container(conn, objects.segments_container(container))
        swift.delete_container(conn, container)
    return ""
