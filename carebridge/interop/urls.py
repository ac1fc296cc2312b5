from django.urls import path, re_path

from carebridge.interop import views, views_booking, views_directory

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
    path("Organization", views_directory.organization_search, name="organization_search"),
    path("Organization/<str:resource_id>", views_directory.organization_read, name="organization_read"),
    path("Location", views_directory.location_search, name="location_search"),
    path("Location/<str:resource_id>", views_directory.location_read, name="location_read"),
    path("HealthcareService", views_directory.healthcare_service_search, name="healthcare_service_search"),
    path("HealthcareService/<str:resource_id>", views_directory.healthcare_service_read,
         name="healthcare_service_read"),
    path("Practitioner", views_directory.practitioner_search, name="practitioner_search"),
    path("Practitioner/<str:resource_id>", views_directory.practitioner_read, name="practitioner_read"),
    path("PractitionerRole", views_directory.practitioner_role_search, name="practitioner_role_search"),
    path("PractitionerRole/<str:resource_id>", views_directory.practitioner_role_read, name="practitioner_role_read"),
    path("Schedule", views_booking.schedule_search, name="schedule_search"),
    path("Schedule/<str:resource_id>", views_booking.schedule_read, name="schedule_read"),
    path("Slot", views_booking.slot_search, name="slot_search"),
    path("Slot/<str:resource_id>", views_booking.slot_read, name="slot_read"),
    path("Appointment", views_booking.appointment_search, name="appointment_search"),
    path("Appointment/<str:resource_id>", views_booking.appointment_read, name="appointment_read"),
    re_path(r"^(?P<path>.*)$", views.not_supported, name="not_supported"),
]
