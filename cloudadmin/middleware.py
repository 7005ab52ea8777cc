from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied


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
            raise PermissionDenied("Administrators only.")
        return None
