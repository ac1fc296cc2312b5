from django.urls import path

from carebridge.interop.smart import pages, protocol

app_name = "smart"

urlpatterns = [
    path("oauth/authorize", pages.authorize, name="authorize"),
    path("oauth/token", protocol.token, name="token"),
    path("oauth/revoke", protocol.revoke, name="revoke"),
    path(".well-known/smart-configuration", protocol.smart_configuration, name="configuration"),
    path("interop/smart/clients/", pages.client_list, name="clients"),
    path("interop/smart/clients/<uuid:public_id>/revoke/", pages.client_revoke, name="client_revoke"),
    path("interop/smart/tokens/<uuid:public_id>/revoke/", pages.app_revoke, name="token_revoke"),
    path("portal/apps/", pages.apps, name="apps"),
    path("portal/apps/<uuid:public_id>/revoke/", pages.app_revoke, name="app_revoke"),
]
