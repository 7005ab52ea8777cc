from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# The session key holding the logged-in user's chosen language (set at login
# from their UserPreference, and by the language switcher).
SESSION_LANGUAGE_KEY = "cloudadmin_language"


class UserLanguageMiddleware:
    """The logged-in user's own language wins over Accept-Language and the
    cookie that LocaleMiddleware read. Read from the session: no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(SESSION_LANGUAGE_KEY) if hasattr(request, "session") else None
        if language and translation.check_for_language(language) and request.user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class StaffRequiredMiddleware(LoginRequiredMiddleware):
    """Every view needs a logged-in admin unless marked @login_not_required.

    Django's LoginRequiredMiddleware redirects anonymous users to the login
    page; a logged-in user who is not staff is refused outright.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        response = super().process_view(request, view_func, view_args, view_kwargs)
        if response is not None:
            return response
        if getattr(view_func, "login_required", True) and not request.user.is_staff:
            raise PermissionDenied(_("Administrators only."))
        return None
