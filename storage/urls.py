from django.urls import path

from . import views

app_name = "storage"
urlpatterns = [
    path("swift/", views.SwiftStoreView.as_view(), name="swift"),
]
