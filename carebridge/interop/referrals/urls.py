from django.urls import path

from carebridge.interop.referrals import views

app_name = "referrals"

urlpatterns = [
    path("referrals/", views.referral_list, name="list"),
    path("referrals/new/", views.referral_new, name="new"),
    path("referrals/<uuid:public_id>/", views.referral_detail, name="detail"),
    path("referrals/<uuid:public_id>/accept/", views.referral_accept, name="accept"),
    path("referrals/<uuid:public_id>/decline/", views.referral_decline, name="decline"),
    path("referrals/<uuid:public_id>/cancel/", views.referral_cancel, name="cancel"),
    path("referrals/<uuid:public_id>/records/", views.referral_records, name="records"),
    path("referrals/<uuid:public_id>/documents/<uuid:document_id>/", views.referral_document, name="document"),
    path("portal/referrals/", views.portal_referrals, name="portal_list"),
    path("portal/referrals/<uuid:public_id>/consent/", views.portal_consent, name="consent"),
]
