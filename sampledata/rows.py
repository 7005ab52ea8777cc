"""Rows for the dashboard and templates pages: a few by hand for view tests,
or thousands at once (bulk_create) for query-count tests and bench/."""
import random
from datetime import timedelta

from django.utils import timezone

from storage.models import SecondaryStorage, Template, TemplateLocation, Transfer
from zones.models import Cluster, Host, Pod, PrimaryStorage, Zone


def make_zone(name, *, enabled=True):
    zone = Zone.objects.create(
        name=name, network_type=Zone.NetworkType.BASIC, dns1="8.8.8.8", internal_dns1="10.0.0.1",
        hypervisor=Zone.Hypervisor.XENSERVER,
        allocation_state=Zone.AllocationState.ENABLED if enabled else Zone.AllocationState.DISABLED)
    SecondaryStorage.objects.create(zone=zone, server="127.0.0.1", path=f"/export/{name}")
    return zone


def make_full_zone(name, *, enabled=False):
    """A zone with one of everything the wizard creates: pod, cluster, host,
    primary storage and (from make_zone) secondary storage."""
    zone = make_zone(name, enabled=enabled)
    pod = Pod.objects.create(zone=zone, name=f"{name}-pod", gateway="10.0.0.1", netmask="255.255.255.0",
                             start_ip="10.0.0.100", end_ip="10.0.0.150")
    cluster = Cluster.objects.create(pod=pod, name=f"{name}-cluster", hypervisor=zone.hypervisor)
    Host.objects.create(cluster=cluster, host_name=f"{name}-host", username="root", password="secret")
    PrimaryStorage.objects.create(cluster=cluster, name=f"{name}-primary", protocol=PrimaryStorage.Protocol.NFS,
                                  server="10.0.0.5", path=f"/export/{name}-primary")
    return zone


def make_template(template_id, name="", *, stored=False, size=1024, **fields):
    values = dict(
        id=template_id, account_id=1, name=name or f"tmpl-{template_id}", format="VHD", size=size,
        checksum="0" * 32, filename=f"{template_id}.vhd",
        properties={"filename": f"{template_id}.vhd", "id": str(template_id), "size": str(size)},
        swift_state=Template.SwiftState.STORED if stored else Template.SwiftState.ABSENT,
        swift_size=size if stored else None)
    return Template.objects.create(**{**values, **fields})


def make_location(template, zone, state=TemplateLocation.State.READY, reason=""):
    return TemplateLocation.objects.create(template=template, zone=zone, state=state, reason=reason,
                                           path=f"template/tmpl/1/{template.pk}", image_size=template.size)


def make_transfer(template, zone, state=Transfer.State.QUEUED, *, direction=Transfer.Direction.UP,
                  done=0, total=None, rate=0.0, error="", started=None, finished=None, attempts=0):
    """A Transfer row in any state, written directly: the view tests need
    rows in states only a worker reaches."""
    now = timezone.now()
    if state != Transfer.State.QUEUED and started is None:
        started = now - timedelta(minutes=5)
    if state in Transfer.TERMINAL_STATES and finished is None:
        finished = now
    return Transfer.objects.create(
        template=template, zone=zone, direction=direction, state=state, bytes_done=done,
        bytes_total=template.size if total is None else total, rate=rate, last_error=error,
        started=started, finished=finished, attempts=attempts)


def seed_bulk(template_count, zones, *, first_id=100_000, seed=7):
    """`template_count` templates on every zone, each uploaded once from the
    first zone: most done (over the last day), some failed, a few queued or
    running, and copies down to the other zones for a tenth of them."""
    rng = random.Random(seed)
    now = timezone.now()
    templates = [
        Template(id=first_id + i, account_id=2, name=f"bulk-template-{i}", format="QCOW2",
                 size=rng.randint(1, 50) * 1024**3, checksum=f"{i:032x}", filename=f"{i}.qcow2",
                 properties={"id": str(first_id + i)}, swift_state=Template.SwiftState.STORED)
        for i in range(template_count)
    ]
    Template.objects.bulk_create(templates, batch_size=2000)
    locations = [TemplateLocation(template=t, zone=z, state=TemplateLocation.State.READY,
                                  path=f"template/tmpl/2/{t.pk}", image_size=t.size)
                 for t in templates for z in zones]
    TemplateLocation.objects.bulk_create(locations, batch_size=5000)
    transfers = []
    for index, template in enumerate(templates):
        roll = rng.random()
        started = copied = now - timedelta(seconds=rng.randint(60, 86_400))
        if index % 1000 == 0:
            state, done, finished = Transfer.State.RUNNING, template.size // 3, None
        elif index % 997 == 0:
            state, done, finished, started = Transfer.State.QUEUED, 0, None, None
        elif roll < 0.05:
            state, done, finished = Transfer.State.FAILED, template.size // 2, started + timedelta(seconds=300)
        else:
            state, done, finished = Transfer.State.DONE, template.size, started + timedelta(seconds=600)
        transfers.append(Transfer(template=template, zone=zones[0], direction=Transfer.Direction.UP, state=state,
                                  bytes_total=template.size, bytes_done=done, started=started, finished=finished,
                                  attempts=1, rate=50e6 if state == Transfer.State.RUNNING else 0,
                                  last_error="Swift server error (503)" if state == Transfer.State.FAILED else ""))
        if index % 10 == 0:
            for zone in zones[1:]:
                transfers.append(Transfer(template=template, zone=zone, direction=Transfer.Direction.DOWN,
                                          state=Transfer.State.DONE, bytes_total=template.size,
                                          bytes_done=template.size, started=copied,
                                          finished=copied + timedelta(seconds=900), attempts=1))
    Transfer.objects.bulk_create(transfers, batch_size=5000)
    # auto_now wrote "now" everywhere: put `updated` back where the rows ended.
    from django.db.models import F
    Transfer.objects.filter(finished__isnull=False).update(updated=F("finished"))
    return templates
