"""How a template is stored in Swift: container T-<id> with the same file
names as on NFS, the image one object up to the segment size and above it
a Static Large Object whose segments go to T-<id>_segments under
deterministic names (<file>/<mtime>/<size>/<segment size>/<index>), the
metadata that says which copy it is, and template.properties last: its
presence means "complete"."""
from __future__ import annotations

import hashlib
import json
import math

from cloudadmin.messages import coded
from storage.failures import TransferFailed
from storage.secondary import properties
from storage.swift import client as swift

SWIFT_TIMEOUT = 60
META_TEMPLATE_ID = "X-Object-Meta-Template-Id"
META_SOURCE_ZONE = "X-Object-Meta-Source-Zone"
META_MD5 = "X-Object-Meta-Md5"
META_SOURCE_SIZE = "X-Object-Meta-Source-Size"
META_SOURCE_MTIME = "X-Object-Meta-Source-Mtime"
# Bytes of one SLO manifest entry besides the segment's path (JSON overhead,
# a 32-hex ETag, a size of up to 13 digits).
MANIFEST_ENTRY_OVERHEAD = 80
MIB = 1024 * 1024
CHUNK = MIB  # bytes read, written or sent at a time


def segments_container(container: str) -> str:
    return f"{container}_segments"


def segment_name(filename: str, size: int, mtime: float, segment_size: int, index: int) -> str:
    return f"{filename}/{mtime:.6f}/{size}/{segment_size}/{index:08d}"


def segment_prefix(filename: str, size: int, mtime: float, segment_size: int) -> str:
    """What every segment of one plan's names starts with."""
    return segment_name(filename, size, mtime, segment_size, 0)[:-8]


def plan_segment_size(size: int, wanted: int, caps: dict, *, path_length: int = 200) -> int:
    """The segment size for a file of `size` bytes: 0 for one plain object,
    else a segment size that fits what Swift's /info allows. Raises
    TransferFailed with the reason when no plan fits."""
    max_file = caps.get("max_file_size") or 5 * 1024**3 + 2
    if size <= wanted and size <= max_file:
        return 0
    if not caps.get("slo"):
        raise TransferFailed(coded(
            "the template has %(size)s bytes, more than one object may hold here (segment size %(segment)s, "
            "Swift max_file_size %(max)s), and this Swift offers no Static Large Objects (slo middleware)",
            size=size, segment=wanted, max=max_file))
    segment = min(wanted, max_file)
    max_segments = caps.get("max_manifest_segments") or 1000
    max_manifest = caps.get("max_manifest_size") or 8 * 1024 * 1024
    per_manifest = max(1, max_manifest // (path_length + MANIFEST_ENTRY_OVERHEAD))
    limit = min(max_segments, per_manifest)
    if math.ceil(size / segment) > limit:
        segment = math.ceil(math.ceil(size / limit) / MIB) * MIB  # grow, in whole MiB
    min_segment = caps.get("min_segment_size") or 1
    segment = max(segment, min_segment)
    if segment > max_file or math.ceil(size / segment) > limit:
        raise TransferFailed(coded(
            "the template has %(size)s bytes; this Swift allows at most %(limit)s segments of %(max)s bytes "
            "in one Static Large Object", size=size, limit=limit, max=max_file))
    return segment


def metadata(template_id: int, zone_name: str, md5_hex: str, size: int, mtime: float) -> dict:
    """The headers of the image object: which template, from which zone and
    which source copy (size, mtime), and its whole-file MD5."""
    return {META_TEMPLATE_ID: str(template_id), META_SOURCE_ZONE: zone_name,
            META_MD5: md5_hex, META_SOURCE_SIZE: str(size), META_SOURCE_MTIME: f"{mtime:.6f}",
            "Content-Type": "application/octet-stream"}


def stored_copy_md5(conn, container: str, props: properties.TemplateProperties, props_bytes: bytes,
                    size: int, mtime: float) -> str | None:
    """The whole-file MD5 when Swift holds this very copy, complete."""
    props_head = swift.head_object(conn, container, properties.FILENAME)
    image = swift.head_object(conn, container, props.filename)
    if props_head is None or image is None:
        return None
    if int(image.get("content-length", -1)) != size:
        return None
    stored_md5 = image.get(META_MD5.lower(), "")
    if props.checksum:
        same = stored_md5 == props.checksum
    else:
        same = (image.get(META_SOURCE_SIZE.lower()) == str(size)
                and image.get(META_SOURCE_MTIME.lower()) == f"{mtime:.6f}")
    if not same or props_head.get("etag", "").strip('"') != hashlib.md5(props_bytes).hexdigest():
        return None
    return stored_md5


def stored_objects(conn, container: str) -> dict[str, dict] | None:
    """What T-<id> holds, by name, from one request (a page of the listing:
    it holds a few objects; each entry's hash is the object's MD5, bytes its
    size); None when the container does not exist."""
    try:
        return {obj["name"]: obj for obj in swift.list_objects(conn, container, missing_ok=False, full=False)}
    except swift.SwiftError as error:
        if error.status != 404:
            raise
    return None


def holds_object_copy(listing: dict[str, dict], filename: str, data_md5: str, size: int,
                      props_bytes: bytes) -> bool:
    """Whether a listing shows this very copy stored as one object, complete:
    the image with these bytes (a plain object's listed hash is its MD5) and
    this template.properties."""
    image, props = listing.get(filename), listing.get(properties.FILENAME)
    return (image is not None and props is not None and not is_manifest(image)
            and image.get("bytes") == size and image.get("hash") == data_md5
            and props.get("hash") == hashlib.md5(props_bytes).hexdigest())


def put_manifest(conn, container: str, filename: str, segments: list[tuple[str, str, int]],
                 headers: dict, size: int) -> None:
    """Write the Static Large Object of `filename` from its segments
    [(name in the segments container, ETag, bytes)], then check that Swift
    serves it with the template's size."""
    manifest = [{"path": f"/{segments_container(container)}/{name}", "etag": etag, "size_bytes": length}
                for name, etag, length in segments]
    slo_etag = hashlib.md5("".join(etag for _, etag, _ in segments).encode()).hexdigest()
    body = json.dumps(manifest).encode()
    swift.put_object(conn, container, filename, body, content_length=len(body), etag=slo_etag,
                     headers=headers, query_string="multipart-manifest=put")
    head = swift.head_object(conn, container, filename)
    if head is None or int(head.get("content-length", -1)) != size:
        raise swift.SwiftError(coded("the Static Large Object in Swift does not have the template's size"),
                               transient=True)


def put_properties(conn, container: str, props_bytes: bytes, headers: dict) -> None:
    """template.properties, written last: its presence says "complete"."""
    swift.put_object(conn, container, properties.FILENAME, props_bytes, content_length=len(props_bytes),
                     etag=hashlib.md5(props_bytes).hexdigest(), headers={**headers, "Content-Type": "text/plain"})


def cleanup_segments(conn, segments: str, *, keep_prefix: str | None) -> int:
    """Delete the segments of other plans and abandoned attempts."""
    removed = 0
    for obj in swift.list_objects(conn, segments):
        if keep_prefix is None or not obj["name"].startswith(keep_prefix):
            removed += swift.delete_object(conn, segments, obj["name"])
    return removed


def cleanup_abandoned(conn, container: str) -> None:
    """A cancelled upload leaves no segments behind, unless the template it
    was replacing is complete in Swift."""
    if swift.head_object(conn, container, properties.FILENAME) is None:
        cleanup_segments(conn, segments_container(container), keep_prefix=None)


def is_manifest(listed: dict) -> bool:
    """Whether a listing entry is a Static Large Object manifest (slo_etag in
    newer Swifts, a swift_bytes content-type parameter in older ones)."""
    return "slo_etag" in listed or "swift_bytes=" in listed.get("content_type", "")


def deletion_order(conn, container: str) -> list[tuple[str, str, int]]:
    """Every object of a template in Swift as (container, name, bytes) in the
    order a deletion removes them: template.properties first (Swift stops
    holding a complete template at once), the other objects of T-<id> (the
    manifests: deleted alone, they never point at missing segments), then
    the segments. A manifest counts 0 bytes: its segments hold them."""
    main = swift.list_objects(conn, container)
    ordered = sorted(main, key=lambda obj: obj["name"] != properties.FILENAME)
    order = [(container, obj["name"], 0 if is_manifest(obj) else obj.get("bytes", 0)) for obj in ordered]
    segments = segments_container(container)
    return order + [(segments, obj["name"], obj.get("bytes", 0)) for obj in swift.list_objects(conn, segments)]
