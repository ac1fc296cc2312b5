from django.urls import path

from carebridge.interop.sharing import views

app_name = "sharing"

urlpatterns = [
    path("", views.share_list, name="list"),
    path("patients/<uuid:public_id>/consent/", views.share_consent, name="consent"),
    path("<uuid:public_id>/", views.share_detail, name="detail"),
    path("<uuid:public_id>/qr.svg", views.share_qr, name="qr"),
    path("<uuid:public_id>/revoke/", views.share_revoke, name="revoke"),
]
