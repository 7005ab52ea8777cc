from django.urls import path

from storage.web import (compare_views, delete_views, download_views, register_views, template_edit_views,
                         template_views, transfer_views, upload_views)
from storage.web import swift_views as views

app_name = "storage"
urlpatterns = [
    path("swift/", views.SwiftStoreView.as_view(), name="swift"),
    path("swift/test/", views.SwiftTestConnectionView.as_view(), name="swift_test"),
    path("swift/credentials/", views.SwiftCredentialsView.as_view(), name="swift_credentials"),
    path("swift/enable/", views.EnableSwiftView.as_view(), name="enable_swift"),
    path("templates/", template_views.TemplateListView.as_view(), name="templates"),
    path("templates/register/", register_views.TemplateRegisterView.as_view(), name="template_register"),
    path("templates/register/<id:template_id>/", register_views.TemplateRegistrationView.as_view(),
         name="template_registration"),
    path("templates/register/<id:template_id>/retry/",
         register_views.TemplateRegistrationActionView.as_view(action="retry"), name="template_registration_retry"),
    path("templates/register/<id:template_id>/cancel/",
         register_views.TemplateRegistrationActionView.as_view(action="cancel"),
         name="template_registration_cancel"),
    path("templates/delete/", delete_views.TemplateDeleteView.as_view(), name="template_delete_many"),
    path("templates/upload/", upload_views.TemplateUploadView.as_view(), name="template_upload"),
    path("templates/upload/tus/", upload_views.TusCreateView.as_view(), name="template_upload_create"),
    path("templates/upload/tus/<uuid:upload_id>/", upload_views.TusUploadView.as_view(), name="template_upload_tus"),
    path("templates/upload/tus/<uuid:upload_id>/complete/", upload_views.TusCompleteView.as_view(),
         name="template_upload_complete"),
    path("templates/upload/post/<uuid:upload_id>/", upload_views.CloudStackPostView.as_view(),
         name="template_upload_post"),
    path("templates/<id:pk>/", template_views.TemplateDetailView.as_view(), name="template"),
    path("templates/<id:pk>/edit/", template_edit_views.TemplateEditView.as_view(), name="template_edit"),
    path("templates/<id:pk>/download/", download_views.TemplateExtractView.as_view(), name="template_extract"),
    path("templates/<id:pk>/image/", download_views.TemplateImageView.as_view(), name="template_image"),
    path("templates/<id:pk>/delete/", delete_views.TemplateDeleteView.as_view(), name="template_delete"),
    path("templates/<id:pk>/copy/", template_views.TemplateCopyView.as_view(), name="template_copy"),
    path("transfers/<id:pk>/retry/", transfer_views.TransferRetryView.as_view(), name="transfer_retry"),
    path("transfers/<id:pk>/cancel/", transfer_views.TransferCancelView.as_view(), name="transfer_cancel"),
    path("compare/<id:zone_id>/", compare_views.CompareView.as_view(), name="compare"),
    path("zones/<id:zone_id>/sync/", transfer_views.ZoneSyncView.as_view(), name="zone_sync"),
]
