import re
from urllib.parse import urlparse

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cloudadmin.ui import style_form_widgets
from zones.models import Zone

from storage.secondary import properties
from storage.swift import client as swift
from storage.transfers.downloads import DownloadError, resolve
from storage.catalog.template_edit import DEFAULT_OS_TYPE
from storage.models import GuestOsType, SecondaryStorage, SwiftStore, Template, TemplateRegistration, Transfer


class SwiftCredentialsForm(forms.Form):
    """Change credentials: the configured Swift's user and key (storage.swift.swift_setup)."""

    username = forms.CharField(label=_("Username"), max_length=128,
                               help_text=_("For tempauth also written account:user; the account stays."))
    # Never rendered back, as in Enable Swift.
    key = forms.CharField(label=_("Key"), max_length=1024, strip=False,
                          widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form_widgets(self)


class EnableSwiftForm(forms.Form):
    # Not a URLField: its validator refuses single-label hosts such as the
    # `swift` service of docker compose.
    url = forms.CharField(label=_("URL"), max_length=500,
                          help_text=_("The auth URL, e.g. http://swift:8080/auth/v1.0 or https://keystone:5000/v3"))
    account = forms.CharField(label=_("Account"), max_length=128, required=False,
                              help_text=_("tempauth account, or Keystone project. Optional where not needed."))
    username = forms.CharField(label=_("Username"), max_length=128,
                               help_text=_("For tempauth also written account:user."))
    # Never rendered back: a refused form comes back with an empty Key.
    key = forms.CharField(label=_("Key"), max_length=1024, strip=False,
                          widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))
    auth_version = forms.ChoiceField(
        label=_("Auth version"), required=False,
        choices=[("", _("Detect from the URL")), *SwiftStore.AuthVersion.choices],
    )
    # Keystone v3 only (the dialog shows it then); CloudStack's had no such field.
    domain = forms.CharField(label=_("Domain"), max_length=255, required=False, initial="Default",
                             help_text=_("Keystone v3: the domain of the user and the project."))
    # Shown as a choice once Keystone's catalog has Swift in several regions.
    region = forms.CharField(label=_("Region"), max_length=255, required=False,
                             help_text=_("Keystone's catalog has Swift in several regions: choose one."))

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = list(regions)

    def auth_version_shown(self) -> str:
        """The auth version the bound data names (for which fields to show)."""
        chosen = self["auth_version"].value() or ""
        return chosen or swift.detect_auth_version(str(self["url"].value() or ""))

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        parsed = urlparse(url)
        try:
            parsed.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            parsed = None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise forms.ValidationError(_("Enter the auth URL, starting with http:// or https://."))
        if parsed.username or parsed.password:
            raise forms.ValidationError(_("Put no credentials in the URL: use Username and Key."))
        return url

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        version = data.get("auth_version") or swift.detect_auth_version(data["url"])
        account, username = data.get("account", "").strip(), data["username"].strip()
        if version == SwiftStore.AuthVersion.V1:
            if not account and ":" in username:
                account, username = username.split(":", 1)
            if not account or not username:
                raise forms.ValidationError(
                    _("tempauth needs an account: fill in Account, or write Username as account:user."))
        domain = (data.get("domain") or "").strip() or "Default"
        data.update(auth_version=version, account=account, username=username, domain=domain,
                    region=(data.get("region") or "").strip())
        return data

    def credentials(self) -> swift.Credentials:
        data = self.cleaned_data
        return swift.Credentials(url=data["url"], username=data["username"], key=data["key"],
                                 account=data["account"], auth_version=data["auth_version"],
                                 domain=data["domain"], region=data["region"])


def _template_text_filter(query: str, prefix: str = "") -> Q:
    """A number is a template id; any text searches the template's name."""
    name = Q(**{f"{prefix}name__icontains": query})
    template_id = properties.parse_id(query)
    if template_id is not None:
        return Q(**{f"{prefix}id": template_id}) | name
    return name


class TransferFilterForm(forms.Form):
    ACTIVE = "active"
    STATE_CHOICES = [("", _("Any state")), (ACTIVE, _("Queued or running")), *Transfer.State.choices]

    q = forms.CharField(required=False, max_length=255, label=_("Template id or name"))
    zone = forms.ModelChoiceField(queryset=Zone.objects.all(), required=False, empty_label=_("Any zone"),
                                  label=_("Zone"))
    state = forms.ChoiceField(required=False, choices=STATE_CHOICES, label=_("State"))

    def filter(self, queryset):
        data = self.cleaned_data
        if data["q"]:
            queryset = queryset.filter(_template_text_filter(data["q"].strip(), "template__"))
        if data["zone"]:
            queryset = queryset.filter(zone=data["zone"])
        if data["state"] == self.ACTIVE:
            queryset = queryset.filter(state__in=Transfer.ACTIVE_STATES)
        elif data["state"]:
            queryset = queryset.filter(state=data["state"])
        return queryset


class TemplateFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=255, label=_("Template id or name"))
    zone = forms.ModelChoiceField(queryset=Zone.objects.all(), required=False, empty_label=_("Any zone"),
                                  label=_("On zone"))
    swift = forms.ChoiceField(required=False, choices=[("", _("In Swift or not")), *Template.SwiftState.choices],
                              label=_("Swift"))
    os_type = forms.ModelChoiceField(queryset=GuestOsType.objects.all(), required=False,
                                     empty_label=_("Any OS type"), label=_("OS type"))

    def filter(self, queryset):
        data = self.cleaned_data
        if data["q"]:
            queryset = queryset.filter(_template_text_filter(data["q"].strip()))
        if data["zone"]:
            queryset = queryset.filter(locations__zone=data["zone"])
        if data["swift"]:
            queryset = queryset.filter(swift_state=data["swift"])
        if data["os_type"]:
            chosen = Q(os_type=data["os_type"])
            if data["os_type"].name == DEFAULT_OS_TYPE:
                chosen |= Q(os_type__isnull=True)
            queryset = queryset.filter(chosen)
        return queryset


class CompareForm(forms.Form):
    differences = forms.BooleanField(required=False, label=_("Only differences"))


def one_line(text: str, message) -> str:
    """`text` stripped; a ValidationError(message) when it is empty or holds
    a control character (a name or display text goes into template.properties,
    one key a line)."""
    text = text.strip()
    if not text or any(ord(c) < 0x20 for c in text):
        raise forms.ValidationError(message)
    return text


EVERY_ZONE_HELP = _("Once in Swift, the template is copied to each enabled zone, even while the automatic "
                    "mode (swift.replicate.to.all.zones) is off: CloudStack's cross-zone template.")


class TemplateRegisterForm(forms.Form):
    """Register template: what to download and where (storage.transfers.downloads)."""

    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    # Not a URLField: its validator refuses single-label hosts; the scheme and
    # the address are checked in clean_url.
    url = forms.CharField(label=_("URL"), max_length=2000,
                          help_text=_("http:// or https:// address of the image, e.g. "
                                      "https://download.example.com/centos.qcow2"))
    zone = forms.ModelChoiceField(label=_("Zone"), queryset=Zone.objects.filter(
                                      pk__in=SecondaryStorage.objects.values("zone_id")).order_by("name"),
                                  empty_label=None,  # the first zone, not "---------"
                                  help_text=_("The image is downloaded into this zone's secondary storage."))
    format = forms.ChoiceField(label=_("Format"), choices=TemplateRegistration.Format.choices)
    hypervisor = forms.ChoiceField(label=_("Hypervisor"), choices=Zone.Hypervisor.choices)
    checksum = forms.CharField(label=_("MD5 checksum"), required=False, max_length=40,
                               help_text=_("Optional: the download is refused when its MD5 differs."))
    public = forms.BooleanField(label=_("Public"), required=False,
                                help_text=_("Usable by every account."))
    every_zone = forms.BooleanField(label=_("Every zone"), required=False, help_text=EVERY_ZONE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form_widgets(self)

    def clean_name(self):
        return one_line(self.cleaned_data["name"], _("Enter a name on one line."))

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        try:
            resolve(url)
        except DownloadError as refused:
            raise forms.ValidationError(str(refused)) from None
        return url

    def clean_checksum(self):
        text = self.cleaned_data["checksum"].strip()
        if not text:
            return ""
        match = re.fullmatch(r"(?:\{md5\})?([0-9a-fA-F]{32})", text, flags=re.IGNORECASE)
        if match is None:
            raise forms.ValidationError(_("An MD5 checksum is 32 hexadecimal digits."))
        return match.group(1).lower()


class TemplateEditForm(forms.Form):
    """Edit template: what CloudStack's Edit template (updateTemplate) changes."""

    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(label=_("Description"), max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    os_type = forms.ModelChoiceField(label=_("OS type"), queryset=GuestOsType.objects.all())
    public = forms.BooleanField(label=_("Public"), required=False, help_text=_("Usable by every account."))
    featured = forms.BooleanField(label=_("Featured"), required=False)
    password_enabled = forms.BooleanField(label=_("Password enabled"), required=False)
    extractable = forms.BooleanField(label=_("Extractable"), required=False,
                                     help_text=_("Allows Download: a time-limited link to the image."))
    # Not CloudStack's (its cross-zone flag is fixed at registration): a wrong choice can be corrected.
    cross_zones = forms.BooleanField(label=_("Every zone"), required=False, help_text=EVERY_ZONE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form_widgets(self)

    def clean_name(self):
        return one_line(self.cleaned_data["name"], _("Enter a name on one line."))

    def clean_description(self):
        return one_line(self.cleaned_data["description"], _("Enter a display text on one line."))


class TemplateUploadForm(TemplateRegisterForm):
    """Upload from local: the template's fields (the file comes by tus,
    storage.web.upload_views); also the fields of the upload's tus metadata."""

    url = None
    FORMATS = (("vhd", "VHD"), ("qcow2", "QCOW2"), ("ova", "OVA"), ("raw", "RAW"), ("iso", "ISO"))
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS)
    featured = forms.BooleanField(label=_("Featured"), required=False)
    extractable = forms.BooleanField(label=_("Extractable"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")
        self.fields["description"].label = _("Display text")
        self.fields["zone"].help_text = _("The file goes into this zone's secondary storage.")
        self.fields["checksum"].help_text = _("Optional: the upload fails when the file's MD5 differs.")
