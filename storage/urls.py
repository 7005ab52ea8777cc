from django.urls import path

from . import compare_views, template_views, transfer_views, views

app_name = "storage"
urlpatterns = [
    path("swift/", views.SwiftStoreView.as_view(), name="swift"),
    path("swift/test/", views.SwiftTestConnectionView.as_view(), name="swift_test"),
    path("swift/enable/", views.EnableSwiftView.as_view(), name="enable_swift"),
    path("templates/", template_views.TemplateListView.as_view(), name="templates"),
    path("templates/<int:pk>/", template_views.TemplateDetailView.as_view(), name="template"),
    path("templates/<int:pk>/copy/", template_views.TemplateCopyView.as_view(), name="template_copy"),
    path("transfers/<int:pk>/retry/", transfer_views.TransferRetryView.as_view(), name="transfer_retry"),
    path("transfers/<int:pk>/cancel/", transfer_views.TransferCancelView.as_view(), name="transfer_cancel"),
    path("compare/<int:zone_id>/", compare_views.CompareView.as_view(), name="compare"),
    path("zones/<int:zone_id>/sync/", transfer_views.ZoneSyncView.as_view(), name="zone_sync"),
]
