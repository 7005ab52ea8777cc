from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from cloudadmin.crypto import EncryptedTextField


class Zone(models.Model):
    class NetworkType(models.TextChoices):
        BASIC = "Basic", _("Basic")
        ADVANCED = "Advanced", _("Advanced")

    class Hypervisor(models.TextChoices):
        XENSERVER = "XenServer", "XenServer"
        KVM = "KVM", "KVM"
        VMWARE = "VMware", "VMware"

    class AllocationState(models.TextChoices):
        ENABLED = "Enabled", _("Enabled")
        DISABLED = "Disabled", _("Disabled")

    # CloudStack's public id (the API answers and accepts it); the integer pk stays internal.
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(max_length=64)
    network_type = models.CharField(max_length=16, choices=NetworkType.choices)
    dns1 = models.GenericIPAddressField(protocol="IPv4")
    dns2 = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True)
    internal_dns1 = models.GenericIPAddressField(protocol="IPv4")
    internal_dns2 = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True)
    hypervisor = models.CharField(max_length=16, choices=Hypervisor.choices)
    network_domain = models.CharField(max_length=253, blank=True)
    guest_cidr = models.CharField(max_length=43, blank=True)  # Advanced zones only
    # Zones start Disabled, as in CloudStack.
    allocation_state = models.CharField(
        max_length=16, choices=AllocationState.choices, default=AllocationState.DISABLED
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="zone_name_unique_ci"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_enabled(self):
        return self.allocation_state == self.AllocationState.ENABLED


class Pod(models.Model):
    """A pod: the reserved system IP range of the zone's system VMs and, in a
    Basic zone, the guest IP range (per pod, as in CloudStack)."""

    # CloudStack's public id (the API answers and accepts it); the integer pk stays internal.
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="pods")
    name = models.CharField(_("pod name"), max_length=64)
    gateway = models.GenericIPAddressField(_("reserved system gateway"), protocol="IPv4")
    netmask = models.GenericIPAddressField(_("reserved system netmask"), protocol="IPv4")
    start_ip = models.GenericIPAddressField(_("start reserved system IP"), protocol="IPv4")
    end_ip = models.GenericIPAddressField(_("end reserved system IP"), protocol="IPv4")
    # Basic zones only.
    guest_gateway = models.GenericIPAddressField(_("guest gateway"), protocol="IPv4", null=True, blank=True)
    guest_netmask = models.GenericIPAddressField(_("guest netmask"), protocol="IPv4", null=True, blank=True)
    guest_start_ip = models.GenericIPAddressField(_("guest start IP"), protocol="IPv4", null=True, blank=True)
    guest_end_ip = models.GenericIPAddressField(_("guest end IP"), protocol="IPv4", null=True, blank=True)

    class Meta:
        ordering = ["zone__name", "name"]
        verbose_name = _("pod")
        constraints = [models.UniqueConstraint("zone", Lower("name"), name="pod_name_unique_in_zone_ci")]

    def __str__(self):
        return self.name


class Cluster(models.Model):
    # CloudStack's public id (the API answers and accepts it); the integer pk stays internal.
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="clusters")
    name = models.CharField(_("cluster name"), max_length=64)
    hypervisor = models.CharField(_("hypervisor"), max_length=16, choices=Zone.Hypervisor.choices)

    class Meta:
        ordering = ["pod__zone__name", "name"]
        verbose_name = _("cluster")
        constraints = [models.UniqueConstraint("pod", Lower("name"), name="cluster_name_unique_in_pod_ci")]

    def __str__(self):
        return self.name


class Host(models.Model):
    """Inventory only: the hypervisor is never contacted."""

    # CloudStack's public id (the API answers and accepts it); the integer pk stays internal.
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="hosts")
    host_name = models.CharField(_("host name"), max_length=253)
    username = models.CharField(_("username"), max_length=128)
    password = EncryptedTextField(_("password"))  # never rendered back

    class Meta:
        ordering = ["host_name"]
        verbose_name = _("host")

    def __str__(self):
        return self.host_name


class PrimaryStorage(models.Model):
    class Protocol(models.TextChoices):
        NFS = "NFS", _("NFS")
        SHARED_MOUNT_POINT = "SharedMountPoint", _("SharedMountPoint")

    # CloudStack's public id (the API answers and accepts it); the integer pk stays internal.
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="primary_storages")
    name = models.CharField(_("name"), max_length=64)
    protocol = models.CharField(_("protocol"), max_length=32, choices=Protocol.choices)
    server = models.CharField(_("server"), max_length=253, blank=True)
    path = models.CharField(_("path"), max_length=1024)

    class Meta:
        ordering = ["name"]
        verbose_name = _("primary storage")

    def __str__(self):
        return self.name

    @property
    def url(self):
        if self.protocol == self.Protocol.NFS:
            return f"nfs://{self.server}{self.path}"
        return f"SharedMountPoint://{self.server or 'localhost'}{self.path}"


class ZoneWizardDraft(models.Model):
    """The state of one unfinished Add zone wizard, so that a reload, Back or
    a later visit resumes it. Deleted on Launch or when discarded."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="zone_drafts")
    # {step slug: {field: submitted value}} of every step that passed validation.
    data = models.JSONField(default=dict)
    current_step = models.CharField(max_length=32, default="type")
    # Kept apart from `data` so that it is encrypted at rest.
    host_password = EncryptedTextField(blank=True)
    # The secondary storage check of the share in data["secondary-storage"]:
    # {"token", "server", "path", "status": pending|ok|failed|unchecked, "message", "templates", "checked"}.
    share_check = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated"]
        verbose_name = _("zone wizard draft")

    def __str__(self):
        return self.data.get("zone", {}).get("name") or str(_("unnamed zone"))
