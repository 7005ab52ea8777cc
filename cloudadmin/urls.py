from django.contrib.auth import views as auth_views
from django.urls import include, path

from storage.transfer_views import DashboardView

from . import health, views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("healthz", health.healthz, name="healthz"),
    path("language/", views.SetLanguageView.as_view(), name="set_language"),
    path("", DashboardView.as_view(), name="dashboard"),
    path("events/", views.EventListView.as_view(), name="events"),
    path("settings/", views.GlobalSettingListView.as_view(), name="global_settings"),
    path("settings/<str:name>/", views.GlobalSettingRowView.as_view(), name="global_setting"),
    path("zones/", include("zones.urls")),
    path("", include("storage.urls")),
    path("", include("api.urls")),
]
