from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


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
