"""The dashboard at the site root, under its global name "dashboard" (the
root URLconf includes it by name: cloudadmin imports no app)."""
from django.urls import path

from storage.web.dashboard_views import DashboardView

urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
]
