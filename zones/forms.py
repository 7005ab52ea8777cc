"""The forms of the zone wizard, one per step. Each form owns its step's
fields; the rules that span steps (the guest range against the pod range)
read the other steps from the draft."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cloudadmin.ui import style_form_widgets

from . import network, swift_first
from .models import PrimaryStorage, Zone


class StepForm(forms.Form):
    """A wizard step's form. The rules that need the values of other steps
    read them from `draft` (the wizard's ZoneWizardDraft) or, without a
    draft, from `steps` ({step slug: values}, what the API knows)."""

    def __init__(self, data=None, *, draft=None, steps=None, **kwargs):
        super().__init__(data, **kwargs)
        self.draft = draft
        self.steps = draft.data if draft is not None else (steps or {})
        style_form_widgets(self)

    def other_step(self, slug) -> dict:
        return self.steps.get(slug, {})

    def values(self) -> dict:
        """What the draft stores for this step: the submitted text of every
        field (secrets excepted), which binds the form again unchanged."""
        return {name: self.cleaned_data[name] for name in self.fields
                if not isinstance(self.fields[name].widget, forms.PasswordInput)}

    def clean_with(self, check, *args, **kwargs):
        """Run a network.check_* rule, turning its error into field errors."""
        try:
            return check(*args, **kwargs)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
            return None

    def replace(self, data, field, check, *args):
        """data[field] becomes the normalized value of a passing rule."""
        value = self.clean_with(check, *args)
        if value is not None:
            data[field] = str(value)


def name_taken(name) -> ValidationError:
    return ValidationError(_("A zone named %(name)s already exists (names are compared without case).")
                           % {"name": name})


def _text(label, *, required=True, max_length=64, help_text=""):
    return forms.CharField(label=label, required=required, max_length=max_length, help_text=help_text)


class ZoneTypeForm(StepForm):
    network_type = forms.ChoiceField(
        label=_("Zone type"), widget=forms.RadioSelect,
        choices=[(Zone.NetworkType.BASIC, _("Basic: one network, guests isolated by security groups")),
                 (Zone.NetworkType.ADVANCED, _("Advanced: guest networks with VLANs and a guest CIDR"))])
    confirm_no_swift = forms.BooleanField(
        label=_("I understand: once this zone exists, Swift can never be added to this cloud."), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.swift_warning = swift_first.creating_a_zone_locks_out_swift()
        if not self.swift_warning:
            del self.fields["confirm_no_swift"]

    def clean_confirm_no_swift(self):
        confirmed = self.cleaned_data.get("confirm_no_swift")
        if self.swift_warning and not confirmed:
            raise ValidationError(_("Tick the confirmation to create a zone before Swift is enabled, "
                                    "or enable Swift first (Zones > Enable Swift)."))
        return confirmed


class ZoneForm(StepForm):
    name = _text(_("Name"), help_text=_("A name for the zone, unique in this cloud."))
    dns1 = _text(_("IPv4 DNS1"), max_length=15, help_text=_("The DNS server that guest VMs use, such as 8.8.8.8."))
    dns2 = _text(_("IPv4 DNS2"), required=False, max_length=15,
                 help_text=_("Optional, a second DNS server for guest VMs."))
    internal_dns1 = _text(_("Internal DNS1"), max_length=15,
                          help_text=_("The DNS server that system VMs use for internal names."))
    internal_dns2 = _text(_("Internal DNS2"), required=False, max_length=15,
                          help_text=_("Optional, a second internal DNS server."))
    hypervisor = forms.ChoiceField(label=_("Hypervisor"), choices=Zone.Hypervisor.choices,
                                   help_text=_("The hypervisor of the zone's first cluster."))
    network_domain = _text(_("Network domain"), required=False, max_length=253,
                           help_text=_("Optional, such as cs1cloud.internal."))
    guest_cidr = _text(_("Guest CIDR"), max_length=18, help_text=_("Such as 10.1.1.0/24."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.other_step("type").get("network_type") != Zone.NetworkType.ADVANCED:
            del self.fields["guest_cidr"]  # Advanced zones only

    def other_zones(self):
        return Zone.objects.all()

    def clean_name(self):
        name = self.cleaned_data["name"]
        if self.other_zones().filter(name__iexact=name).exists():
            raise name_taken(name)
        return name

    def clean(self):
        data = super().clean()
        for field in ("dns1", "dns2", "internal_dns1", "internal_dns2"):
            if data.get(field):
                self.clean_with(network.parse_address, data[field], field)
        if data.get("network_domain"):
            self.replace(data, "network_domain", network.check_domain, data["network_domain"])
        if data.get("guest_cidr"):
            self.replace(data, "guest_cidr", network.check_cidr, data["guest_cidr"])
        return data


class ZoneEditForm(ZoneForm):
    """Edit zone: the Zone step's fields that CloudStack's updateZone
    changes. Not the hypervisor, which is the first cluster's, nor the
    guest CIDR, which the pods' guest ranges were checked against."""

    FIELDS = ("name", "dns1", "dns2", "internal_dns1", "internal_dns2", "network_domain")

    def __init__(self, data=None, *, zone: Zone | None, **kwargs):
        super().__init__(data, **kwargs)
        self.zone = zone
        self.fields = {name: field for name, field in self.fields.items() if name in self.FIELDS}
        if data is None and zone is not None:
            self.initial = self.values_of(zone)

    @classmethod
    def values_of(cls, zone: Zone) -> dict:
        """The zone's values as the form shows them."""
        return {name: getattr(zone, name) or "" for name in cls.FIELDS}

    def other_zones(self):
        return Zone.objects.exclude(pk=self.zone.pk) if self.zone is not None else Zone.objects.all()


class PodForm(StepForm):
    name = _text(_("Pod name"), help_text=_("A name for the pod."))
    gateway = _text(_("Reserved system gateway"), max_length=15, help_text=_("The gateway of the hosts in this pod."))
    netmask = _text(_("Reserved system netmask"), max_length=15,
                    help_text=_("The netmask of the pod's subnet, such as 255.255.255.0."))
    start_ip = _text(_("Start reserved system IP"), max_length=15,
                     help_text=_("The first address reserved for system VMs in this pod."))
    end_ip = _text(_("End reserved system IP"), max_length=15,
                   help_text=_("The last address reserved for system VMs in this pod."))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        ip_range = self.clean_with(network.check_range, data["gateway"], data["netmask"],
                                   data["start_ip"], data["end_ip"])
        zone = self.other_step("zone")
        if ip_range and zone.get("guest_cidr"):
            try:
                guest = network.check_cidr(zone["guest_cidr"])
            except ValidationError:
                guest = None  # the zone step reports it
            if guest is not None and ip_range.network.overlaps(guest):
                self.add_error("gateway", _("The pod's subnet %(pod)s overlaps the zone's guest CIDR %(guest)s.")
                               % {"pod": ip_range.network, "guest": guest})
        return data


def pod_range(values: dict):
    """The pod step's range, or None when it is missing or invalid."""
    try:
        return network.check_range(values["gateway"], values["netmask"], values["start_ip"], values["end_ip"])
    except (KeyError, ValidationError):
        return None


class GuestNetworkForm(StepForm):
    guest_gateway = _text(_("Guest gateway"), max_length=15, help_text=_("The gateway that guest VMs use."))
    guest_netmask = _text(_("Guest netmask"), max_length=15, help_text=_("The netmask of the guest network."))
    guest_start_ip = _text(_("Guest start IP"), max_length=15,
                           help_text=_("The first address given to guest VMs."))
    guest_end_ip = _text(_("Guest end IP"), max_length=15, help_text=_("The last address given to guest VMs."))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        guest = self.clean_with(network.check_range, data["guest_gateway"], data["guest_netmask"],
                                data["guest_start_ip"], data["guest_end_ip"],
                                fields=("guest_gateway", "guest_netmask", "guest_start_ip", "guest_end_ip"))
        pod = pod_range(self.other_step("pod"))
        if guest is None or pod is None:
            return data
        if guest.overlaps(pod):
            self.add_error("guest_start_ip", _(
                "The guest range %(guest)s overlaps the pod's reserved system range %(pod)s.")
                % {"guest": guest, "pod": pod})
        elif pod.start <= guest.gateway <= pod.end:
            self.add_error("guest_gateway", _("The guest gateway %(gateway)s lies in the pod's reserved system "
                                              "range %(pod)s.") % {"gateway": guest.gateway, "pod": pod})
        elif guest.start <= pod.gateway <= guest.end:
            self.add_error("guest_start_ip", _("The guest range %(guest)s contains the pod's gateway %(gateway)s.")
                           % {"guest": guest, "gateway": pod.gateway})
        return data


class ClusterForm(StepForm):
    name = _text(_("Cluster name"), help_text=_("A name for the cluster."))


class HostForm(StepForm):
    host_name = _text(_("Host name"), max_length=253, help_text=_("An IPv4 address or a DNS name."))
    username = _text(_("Username"), max_length=128, help_text=_("Usually root."))
    # Never rendered back. Once saved in the draft, an empty field keeps it.
    password = forms.CharField(label=_("Password"), max_length=1024, strip=False, required=False,
                               widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.password_saved = bool(self.draft is not None and self.draft.host_password)
        if self.password_saved:
            self.fields["password"].help_text = _("A password is saved. Leave this empty to keep it.")

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not password and not self.password_saved:
            raise ValidationError(_("Enter the host's password."))
        return password

    def clean_host_name(self):
        try:
            return network.check_host(self.cleaned_data["host_name"], "host_name")
        except ValidationError as error:
            raise ValidationError(error.message_dict["host_name"]) from None


class PrimaryStorageForm(StepForm):
    name = _text(_("Name"), help_text=_("A name for the primary storage."))
    protocol = forms.ChoiceField(label=_("Protocol"), choices=PrimaryStorage.Protocol.choices,
                                 help_text=_("How the hosts reach the primary storage."))
    server = _text(_("Server"), required=False, max_length=253,
                   help_text=_("The NFS server. Not used for SharedMountPoint."))
    path = _text(_("Path"), max_length=1024, help_text=_("The exported path, such as /export/primary."))

    def clean(self):
        data = super().clean()
        if data.get("protocol") == PrimaryStorage.Protocol.NFS:
            if not data.get("server"):
                self.add_error("server", _("Enter the NFS server."))
            else:
                self.replace(data, "server", network.check_host, data["server"], "server")
        elif "server" in data:
            data["server"] = ""
        if data.get("path"):
            self.replace(data, "path", network.check_export_path, data["path"])
        return data


class SecondaryStorageForm(StepForm):
    # Labelled exactly as in CloudStack's wizard.
    nfs_server = _text(_("NFS Server"), max_length=253,
                       help_text=_("The IP address or DNS name of the NFS server of the zone's secondary storage."))
    path = _text(_("Path"), max_length=1024, help_text=_("The exported path, such as /export/secondary."))
    # Offered only after no worker answered the check in time.
    go_on_unchecked = forms.BooleanField(
        label=_("Go on without the check: the share will be checked once a worker runs."), required=False)

    def clean(self):
        data = super().clean()
        if data.get("nfs_server"):
            self.replace(data, "nfs_server", network.check_host, data["nfs_server"], "nfs_server")
        if data.get("path"):
            self.replace(data, "path", network.check_export_path, data["path"])
        return data

    def values(self):
        values = super().values()
        values.pop("go_on_unchecked", None)
        return values
