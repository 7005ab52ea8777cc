from urllib.parse import urlparse

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import swift
from .models import SwiftStore


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
        data.update(auth_version=version, account=account, username=username)
        return data

    def credentials(self) -> swift.Credentials:
        data = self.cleaned_data
        return swift.Credentials(url=data["url"], username=data["username"], key=data["key"],
                                 account=data["account"], auth_version=data["auth_version"])
