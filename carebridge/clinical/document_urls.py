from django.urls import path

from carebridge.clinical import document_views as views

app_name = "clinical_documents"

urlpatterns = [
    path("clinical/documents/request/encounters/<uuid:public_id>/", views.encounter_request, name="encounter_request"),
    path("clinical/documents/request/reports/<uuid:public_id>/", views.report_request, name="report_request"),
    path("clinical/documents/<uuid:public_id>/", views.document_detail, name="document"),
    path("clinical/documents/<uuid:public_id>/progress/", views.document_progress_partial, name="progress"),
    path("clinical/documents/<uuid:public_id>/pdf/", views.document_pdf, name="pdf"),
    path("portal/documents/", views.portal_documents, name="portal_documents"),
    path("portal/documents/<uuid:public_id>/progress/", views.portal_progress_partial, name="portal_progress"),
    path("portal/documents/<uuid:public_id>/pdf/", views.portal_pdf, name="portal_pdf"),
]
