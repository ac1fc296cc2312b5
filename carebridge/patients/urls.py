from django.urls import path

from carebridge.patients import desk_views, portal_views

app_name = "patients"

urlpatterns = [
    path("portal/", portal_views.portal_home, name="portal_home"),
    path("portal/register/", portal_views.register_passport, name="register_passport"),
    path("portal/register/details/", portal_views.register_details, name="register_details"),
    path("portal/patients/<uuid:public_id>/documents/", portal_views.document_upload, name="document_upload"),
    path("portal/patients/<uuid:public_id>/insurance/", portal_views.policy_add, name="policy_add"),
    path("portal/patients/<uuid:public_id>/consents/", portal_views.consent_change, name="consent_change"),
    path("desk/", desk_views.desk_home, name="desk_home"),
    path("desk/register/", desk_views.desk_register, name="desk_register"),
    path("desk/register/details/", desk_views.desk_register_details, name="desk_register_details"),
    path("desk/patients/<uuid:public_id>/", desk_views.desk_patient, name="desk_patient"),
    path("desk/duplicates/<uuid:public_id>/", desk_views.duplicate_resolve, name="duplicate_resolve"),
    path("documents/<uuid:public_id>/", desk_views.document_download, name="document_download"),
]
