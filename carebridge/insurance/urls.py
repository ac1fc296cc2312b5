from django.urls import path

from carebridge.insurance import directory, views, views_claim_pack

app_name = "insurance"

urlpatterns = [
    # The hospital: cases, a patient's insurance, the request, claims, figures.
    path("", views.hospital_home, name="hospital_home"),
    path("patients/<uuid:public_id>/", views.patient_panel, name="patient_panel"),
    path("patients/<uuid:public_id>/gop/new/", views.gop_new, name="gop_new"),
    path("icd10/", views.icd10_search, name="icd10_search"),
    path("claims/", views.claim_list, name="claim_list"),
    path("payers/", directory.payers, name="payers"),
    path("figures/", views.figures, name="figures"),
    # One GOP case (each side sees its own page) and its actions.
    path("gop/<str:public_id>/", views.gop_detail, name="gop"),
    path("gop/<uuid:public_id>/answer/", views.gop_answer, name="gop_answer"),
    path("gop/<uuid:public_id>/extension/", views.gop_extension, name="gop_extension"),
    path("gop/<uuid:public_id>/cancel/", views.gop_cancel, name="gop_cancel"),
    path("gop/<uuid:public_id>/message/", views.gop_message, name="gop_message"),
    path("gop/<uuid:public_id>/direct-billing/", views.gop_direct_billing, name="gop_direct_billing"),
    path("gop/<uuid:public_id>/claim/", views.gop_claim, name="gop_claim"),
    path("gop/<uuid:public_id>/ask/", views.gop_ask, name="gop_ask"),
    path("gop/<uuid:public_id>/decide/", views.gop_decide, name="gop_decide"),
    path("gop/<uuid:public_id>/extension/decide/", views.gop_extension_decide, name="gop_extension_decide"),
    path("gop/<uuid:public_id>/attachments/<slug:kind>/<str:document_id>/", views.gop_attachment,
         name="gop_attachment"),
    # One claim and its actions.
    path("claims/<str:public_id>/", views.claim_detail, name="claim"),
    path("claims/<uuid:public_id>/submit/", views.claim_submit, name="claim_submit"),
    path("claims/<uuid:public_id>/remittance/", views.claim_remittance, name="claim_remittance"),
    path("claims/<uuid:public_id>/adjudicate/", views.claim_adjudicate, name="claim_adjudicate"),
    # The insurer's portal and the family's view.
    path("insurer/", views.insurer_home, name="insurer_home"),
    path("insurer/claims/", views.insurer_claims, name="insurer_claims"),
    path("portal/", views.portal_home, name="portal_home"),
    # The claim pack of an invoice: download, send to the insurer with consent (views_claim_pack).
    path("claim-pack/<uuid:public_id>/", views_claim_pack.claim_pack_page, name="claim_pack"),
    path("claim-pack/<uuid:public_id>/pdf/", views_claim_pack.claim_pack_pdf, name="claim_pack_pdf"),
    path("claim-pack/<uuid:public_id>/send/", views_claim_pack.claim_pack_send, name="claim_pack_send"),
    path("claim-pack/<uuid:public_id>/consent/", views_claim_pack.claim_pack_consent, name="claim_pack_consent"),
]
