from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from storage.models import SwiftStore
from storage.swift import client as swift
from storage.swift import keystone, swift_setup
from storage.web.forms import EnableSwiftForm, SwiftCredentialsForm
from zones import swift_first


class SwiftStoreView(TemplateView):
    template_name = "storage/swift.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(store=SwiftStore.objects.first(), **kwargs)


class SwiftTestConnectionView(View):
    """Test connection: re-read /info, record the contact (htmx POST)."""

    def post(self, request):
        try:
            store = swift_setup.check_connection(user=request.user)
        except swift_setup.NotAllowed as refused:
            return render(request, "storage/_swift_details.html",
                          {"store": None, "error": str(refused)}, status=409)
        except swift.SwiftError as error:
            # Swift, not the request, failed: 502 Bad Gateway.
            return render(request, "storage/_swift_details.html",
                          {"store": SwiftStore.objects.first(), "error": str(error)}, status=502)
        return render(request, "storage/_swift_details.html", {"store": store, "tested": True})


class SwiftCredentialsView(View):
    """Change credentials: the form (GET), the checks and the save (POST,
    then back to the Swift page). A refusal comes back with Swift's reason
    and an empty Key."""

    page = "storage/swift_credentials.html"
    form_class = SwiftCredentialsForm

    def show(self, request, form, *, status=200, error=""):
        return render(request, self.page, {"form": form, "error": error, "title": gettext("Change credentials")},
                      status=status)

    def get(self, request):
        store = SwiftStore.objects.first()
        if store is None:
            return self.show(request, None, status=409, error=swift_setup.NOT_CONFIGURED)
        return self.show(request, self.form_class(initial={"username": store.username}))

    @method_decorator(sensitive_post_parameters("key"))  # never in an error report
    def post(self, request):
        form = self.form_class(request.POST)
        if not form.is_valid():
            return self.show(request, form, status=400)
        try:
            swift_setup.change_credentials(form.cleaned_data["username"], form.cleaned_data["key"],
                                           user=request.user)
        except swift_setup.NotAllowed as refused:
            return self.show(request, None, status=409, error=str(refused))
        except swift.SwiftError as error:
            return self.show(request, form, status=400, error=str(error))
        messages.success(request, gettext("The new credentials work and are saved."))
        return redirect("storage:swift")


class EnableSwiftView(View):
    """The Enable Swift dialog (htmx): GET the form, POST to check and save."""

    dialog = "storage/_enable_swift_dialog.html"

    def get(self, request):
        allowed, reason = swift_first.enable_swift_allowed()
        if not allowed:
            return render(request, self.dialog, {"refused": reason}, status=409)
        return render(request, self.dialog, {"form": EnableSwiftForm()})

    @method_decorator(sensitive_post_parameters("key"))  # never in an error report
    def post(self, request):
        allowed, reason = swift_first.enable_swift_allowed()
        if not allowed:
            swift_setup.refuse(swift_setup.NotAllowed(reason), user=request.user,
                               target=request.POST.get("url", ""))
            return render(request, self.dialog, {"refused": reason}, status=409)
        form = EnableSwiftForm(request.POST)
        if not form.is_valid():
            with translation.override("en"):  # the audit log is in English
                problems = "; ".join(f"{form.fields[f].label if f in form.fields else 'Form'}: {m}"
                                     for f, messages in form.errors.items() for m in messages)
            swift_setup.refuse(Exception(problems), user=request.user,
                               target=request.POST.get("url", ""))
            return render(request, self.dialog, {"form": form}, status=400)
        try:
            swift_setup.configure(form.credentials(), user=request.user)
        except swift_setup.NotAllowed as refused:
            return render(request, self.dialog, {"refused": str(refused)}, status=409)
        except swift.SwiftError as error:
            if isinstance(error, keystone.RegionNeeded):
                form.regions = error.regions
            return render(request, self.dialog, {"form": form, "error": str(error)}, status=400)
        return render(request, self.dialog, {"configured": True})

