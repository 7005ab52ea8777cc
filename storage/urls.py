from django.urls import path

from . import views

app_name = "storage"
urlpatterns = [
    path("swift/", views.SwiftStoreView.as_view(), name="swift"),
    path("swift/test/", views.SwiftTestConnectionView.as_view(), name="swift_test"),
    path("swift/enable/", views.EnableSwiftView.as_view(), name="enable_swift"),
]
