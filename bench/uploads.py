"""The templates bench/load.py uploads, and their check in Swift afterwards."""
import hashlib
import os

MIB = 1024 * 1024


def make_templates(local_swift, count: int, size: int, segment_mib: int):
    """The SwiftStore, one disabled zone whose NFS share holds `count`
    templates of `size` random bytes; returns the zone and {id: (file, md5)}."""
    from cloudadmin import config
    from sampledata.shares import add_template, make_swift_store, make_zone

    make_swift_store(local_swift)
    config.change("swift.segment.size", str(segment_mib * MIB))
    zone, root = make_zone(seed=False)
    sources = {}
    for template_id in range(1001, 1001 + count):
        data = os.urandom(size)
        image = add_template(root, template_id, data)
        sources[template_id] = (image.name, hashlib.md5(data).hexdigest())
    return zone, sources


def verify_in_swift(local_swift, sources: dict) -> tuple[int, list[str]]:
    """Download every template from Swift; count the MD5s equal to the source's."""
    import swiftclient

    from storage.swift.localswift import AUTH_KEY, AUTH_USER
    from storage.models import Transfer

    conn = swiftclient.Connection(authurl=local_swift.auth_url, user=AUTH_USER, key=AUTH_KEY, retries=2)
    verified, problems = 0, []
    try:
        for template_id, (name, md5) in sources.items():
            transfer = Transfer.objects.filter(template_id=template_id).order_by("-id").first()
            if transfer is None or transfer.state != Transfer.State.DONE:
                problems.append(f"T-{template_id}: {transfer.state if transfer else 'no transfer'} "
                                f"{transfer.last_error if transfer else ''}".strip())
                continue
            _headers, body = conn.get_object(f"T-{template_id}", name, resp_chunk_size=MIB)
            digest = hashlib.md5()
            for chunk in body:
                digest.update(chunk)
            if digest.hexdigest() == md5 == transfer.md5:
                verified += 1
            else:
                problems.append(f"T-{template_id}: MD5 in Swift {digest.hexdigest()}, source {md5}, "
                                f"recorded {transfer.md5}")
    finally:
        conn.close()
    return verified, problems
