from django.urls import path

from . import views

app_name = "storage"
urlpatterns = [
    path("swift/", views.SwiftStoreView.as_view(), name="swift"),
    path("swift/test/", views.SwiftTestConnectionView.as_view(), name="swift_test"),
    path("swift/enable/", views.EnableSwiftView.as_view(), name="enable_swift"),
    path("templates/register/", views.TemplateRegisterView.as_view(), name="template_register"),
    path("templates/register/<int:template_id>/", views.TemplateRegistrationView.as_view(),
         name="template_registration"),
    path("templates/register/<int:template_id>/retry/",
         views.TemplateRegistrationActionView.as_view(action="retry"), name="template_registration_retry"),
    path("templates/register/<int:template_id>/cancel/",
         views.TemplateRegistrationActionView.as_view(action="cancel"), name="template_registration_cancel"),
    path("zones/<int:zone_id>/sync/", views.ZoneSyncView.as_view(), name="zone_sync"),
    path("transfers/<int:pk>/retry/", views.TransferActionView.as_view(action="retry"), name="transfer_retry"),
    path("transfers/<int:pk>/cancel/", views.TransferActionView.as_view(action="cancel"), name="transfer_cancel"),
]
