from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import config
from .models import Event


class EventFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"))
    action = forms.CharField(required=False, label=_("Action"))
    outcome = forms.ChoiceField(required=False, label=_("Outcome"),
                                choices=[("", _("Any outcome")), *Event.Outcome.choices])

    def matches(self, row) -> bool:
        """The filter for one row not in the database (a declared setting
        without its row yet)."""
        query = self.cleaned_data["q"].lower()
        shown = str(config.DEFINITIONS[row.name].description) if row.name in config.DEFINITIONS else ""
        return not query or any(query in text.lower() for text in (row.name, row.description, shown))

    def filter(self, queryset):
        data = self.cleaned_data
        if data["q"]:
            queryset = queryset.filter(
                Q(username__icontains=data["q"]) | Q(target__icontains=data["q"])
                | Q(detail__icontains=data["q"]) | Q(action__icontains=data["q"])
            )
        if data["action"]:
            queryset = queryset.filter(action__startswith=data["action"])
        if data["outcome"]:
            queryset = queryset.filter(outcome=data["outcome"])
        return queryset


class GlobalSettingFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"),
                        widget=forms.TextInput(attrs={"placeholder": _("Name or description"),
                                                      "class": "form-control", "type": "search"}))

    def matches(self, row) -> bool:
        """The filter for one row not in the database (a declared setting
        without its row yet)."""
        query = self.cleaned_data["q"].lower()
        shown = str(config.DEFINITIONS[row.name].description) if row.name in config.DEFINITIONS else ""
        return not query or any(query in text.lower() for text in (row.name, row.description, shown))

    def filter(self, queryset):
        if self.cleaned_data["q"]:
            query = self.cleaned_data["q"]
            # Rows hold the English description; match the one shown too.
            shown = [name for name, d in config.DEFINITIONS.items() if query.lower() in str(d.description).lower()]
            queryset = queryset.filter(Q(name__icontains=query) | Q(description__icontains=query)
                                       | Q(name__in=shown))
        return queryset
