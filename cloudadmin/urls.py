from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import health, views
from .middleware import staff_not_required

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Any logged-in user may leave, also one refused for not being staff.
    path("logout/", staff_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("healthz", health.healthz, name="healthz"),
    path("language/", views.SetLanguageView.as_view(), name="set_language"),
    path("", include("storage.web.dashboard_urls")),
    path("events/", views.EventListView.as_view(), name="events"),
    path("settings/", views.GlobalSettingListView.as_view(), name="global_settings"),
    path("settings/<str:name>/", views.GlobalSettingRowView.as_view(), name="global_setting"),
    path("zones/", include("zones.urls")),
    path("", include("storage.urls")),
    path("", include("api.urls")),
]
