from django.urls import path, re_path

from carebridge.interop import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("Patient", views.patient_search, name="patient_search"),
    path("Patient/<str:resource_id>", views.patient_read, name="patient_read"),
    path("RelatedPerson", views.related_person_search, name="related_person_search"),
    path("RelatedPerson/<str:resource_id>", views.related_person_read, name="related_person_read"),
    path("Consent", views.consent_search, name="consent_search"),
    path("Consent/<str:resource_id>", views.consent_read, name="consent_read"),
    path("Coverage", views.coverage_search, name="coverage_search"),
    path("Coverage/<str:resource_id>", views.coverage_read, name="coverage_read"),
    re_path(r"^(?P<path>.*)$", views.not_supported, name="not_supported"),
]
