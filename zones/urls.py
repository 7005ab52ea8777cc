from django.urls import path

from . import removal_views, views
from .models import Zone

app_name = "zones"
urlpatterns = [
    path("", views.ZoneListView.as_view(), name="list"),
    path("<id:pk>/", views.ZoneDetailView.as_view(), name="detail"),
    path("<id:pk>/enable/", views.ZoneAllocationView.as_view(state=Zone.AllocationState.ENABLED), name="enable"),
    path("<id:pk>/disable/", views.ZoneAllocationView.as_view(state=Zone.AllocationState.DISABLED), name="disable"),
    path("<id:pk>/edit/", views.ZoneEditView.as_view(), name="edit"),
    path("<id:pk>/delete/", removal_views.ZoneDeleteView.as_view(), name="delete"),
    path("<id:pk>/secondary-storage/add/", removal_views.SecondaryStorageAddView.as_view(),
         name="secondary_storage_add"),
    path("<slug:kind>/<id:pk>/delete/", removal_views.RecordDeleteView.as_view(), name="record_delete"),
    path("add/", views.WizardStartView.as_view(), name="wizard_start"),
    path("add/<id:draft_id>/launch/", views.WizardLaunchView.as_view(), name="wizard_launch"),
    path("add/<id:draft_id>/discard/", views.WizardDiscardView.as_view(), name="wizard_discard"),
    path("add/<id:draft_id>/<slug:step>/", views.WizardStepView.as_view(), name="wizard_step"),
]
