from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views import View

from cloudadmin import crypto

from . import keys
from .models import ApiKey

# A secret key just generated waits here, encrypted, for the one GET that
# shows it (Post/Redirect/Get: a reload never generates again).
NEW_SECRET_KEY = "api_new_secret"


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
        token = request.session.pop(NEW_SECRET_KEY, None)
        if token is None:
            return self._render(request)
        # Shown on this answer only: never again, never in a message,
        # and not kept by the browser's cache for the Back button.
        response = self._render(request, secret=crypto.decrypt(token))
        patch_cache_control(response, no_store=True)
        return response

    def post(self, request):
        action = request.POST.get("action", "")
        if action == "generate":
            key = keys.generate(request.user)
            request.session[NEW_SECRET_KEY] = crypto.encrypt(key.secret)
            return redirect("account")
        if action == "revoke":
            if keys.revoke(request.user):
                messages.success(request, _("The API key was revoked."))
            return redirect("account")
        messages.error(request, _("Unknown action."))
        return self._render(request, status=400)
