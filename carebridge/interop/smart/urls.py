from django.urls import path

from carebridge.interop.smart import protocol

app_name = "smart"

urlpatterns = [
    path("oauth/token", protocol.token, name="token"),
    path("oauth/revoke", protocol.revoke, name="revoke"),
    path(".well-known/smart-configuration", protocol.smart_configuration, name="configuration"),
]
