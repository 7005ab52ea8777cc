from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

from .ui import HTMX_HEADERS

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
        if not (language and translation.check_for_language(language) and request.user.is_authenticated):
            return self.get_response(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if (request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language
                and settings.LANGUAGE_COOKIE_NAME not in response.cookies):
            # The login page after logout speaks the user's language too.
            set_language_cookie(response, language)
        return response


def set_language_cookie(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE)


def staff_not_required(view_func):
    """Marks a view that any logged-in user may use (log out), not only staff."""
    view_func.staff_required = False
    return view_func


class StaffRequiredMiddleware(LoginRequiredMiddleware):
    """Every view needs a logged-in admin unless marked @login_not_required.

    Django's LoginRequiredMiddleware redirects anonymous users to the login
    page; a logged-in user who is not staff is refused outright.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        response = super().process_view(request, view_func, view_args, view_kwargs)
        if response is not None:
            return response
        needs_staff = getattr(view_func, "login_required", True) and getattr(view_func, "staff_required", True)
        if needs_staff and not request.user.is_staff:
            raise PermissionDenied(_("Administrators only."))
        return None

    def handle_no_permission(self, request, view_func):
        """An htmx request (a poll, an action) whose session has ended sends
        the whole page to the login (HX-Redirect), never the login form into
        a fragment; `next` is the page the user was on, not the fragment."""
        if request.headers.get("HX-Request") != "true":
            return super().handle_no_permission(request, view_func)
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        next_url = request.get_full_path()
        if current.netloc == request.get_host() and current.path:
            next_url = current.path + (f"?{current.query}" if current.query else "")
        login = redirect_to_login(next_url, self.get_login_url(view_func), self.get_redirect_field_name(view_func))
        return HttpResponseClientRedirect(login["Location"])


class HtmxVaryMiddleware:
    """A response whose view asked htmx_partial (page or fragment) varies on
    the htmx request headers, so that no cache serves one for the other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "varies_on_htmx", False):
            patch_vary_headers(response, HTMX_HEADERS)
        return response
