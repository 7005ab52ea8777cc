from django.contrib import messages
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views import View

from . import keys
from .models import ApiKey


class AccountView(View):
    """The admin's own page: API keys for the CloudStack-compatible API."""

    template_name = "api/account.html"

    def _render(self, request, *, secret=None, status=200):
        key = ApiKey.objects.filter(user=request.user).first()
        return render(request, self.template_name, {
            "title": _("My account"), "api_key": key, "new_secret": secret,
            "endpoint": request.build_absolute_uri("/client/api"),
        }, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        action = request.POST.get("action", "")
        if action == "generate":
            key = keys.generate(request.user)
            # Shown on this answer only: never again, never in a message,
            # and not kept by the browser's cache for the Back button.
            response = self._render(request, secret=key.secret)
            patch_cache_control(response, no_store=True)
            return response
        if action == "revoke":
            if keys.revoke(request.user):
                messages.success(request, _("The API key was revoked."))
            return self._render(request)
        messages.error(request, _("Unknown action."))
        return self._render(request, status=400)
