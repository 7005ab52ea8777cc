"""Edit template: the form (GET), the change and its template.properties
transfer (POST, then back to the template's page)."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views import View

from storage.catalog import template_edit
from storage.models import Template
from storage.web.forms import TemplateEditForm


class TemplateEditView(View):
    page = "storage/template_edit.html"

    queryset = Template.objects.filter(deleted__isnull=True)  # a deleted template keeps its page only

    def get(self, request, pk):
        template = get_object_or_404(self.queryset, pk=pk)
        form = TemplateEditForm(initial=template_edit.current_values(template))
        return render(request, self.page, {"form": form, "template": template})

    def post(self, request, pk):
        template = get_object_or_404(self.queryset, pk=pk)
        form = TemplateEditForm(request.POST)
        if not form.is_valid():
            return render(request, self.page, {"form": form, "template": template}, status=400)
        changed, transfer = template_edit.edit(template, form.cleaned_data, user=request.user)
        if not changed:
            messages.info(request, gettext("Nothing changed."))
        elif transfer is not None:
            messages.success(request, gettext("Template %(id)s saved; template.properties is being updated on "
                                              "every copy (transfer %(transfer)s).")
                             % {"id": template.pk, "transfer": transfer.pk})
        else:
            messages.success(request, gettext("Template %(id)s saved.") % {"id": template.pk})
        return redirect("storage:template", pk=template.pk)
