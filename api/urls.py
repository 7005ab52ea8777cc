from django.urls import path

from . import account_views, views

urlpatterns = [
    path("client/api", views.client_api, name="client_api"),
    path("account/", account_views.AccountView.as_view(), name="account"),
]
