"""The clinician's workspace: open the visit of a checked-in patient, order, diagnose, measure, prescribe, finish."""

import datetime as dt

import pytest
from django.utils import timezone

from carebridge.clinical import terminology
from carebridge.clinical.models import (
    AllergyIntolerance,
    Condition,
    Encounter,
    Immunization,
    MedicationRequest,
    MedicationStatement,
    Observation,
    Order,
    Procedure,
)
from carebridge.scheduling.models import Appointment, Slot
from carebridge.scheduling.tests.factories import consultation
from carebridge.scheduling.tests.factories import doctor as clinician_of
from conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked_in(temuulen, haikou, guardian):
    """Temuulen checked in for his consultation, starting now."""
    service = consultation(haikou)
    dr = clinician_of(haikou, service)
    start = timezone.now().replace(second=0, microsecond=0)
    slot = Slot.objects.create(hospital=haikou, clinician=dr, start=start, end=start + dt.timedelta(minutes=30))
    return Appointment.objects.create(hospital=haikou, patient=temuulen, service=service, clinician=dr, slot=slot,
                                      start=slot.start, end=slot.end, booked_by=guardian, check_in_code="abc123",
                                      status=Appointment.Status.CHECKED_IN, checked_in_at=timezone.now(),
                                      note="Cough for three weeks")


def test_the_doctor_opens_the_visit_of_a_checked_in_child_and_orders_a_ct_with_mongolian_preparation(
        checked_in, doctor, chest_ct):
    client = signed_in(doctor)

    # Given Temuulen on today's list
    assert "Temuulen" in client.get("/clinical/").content.decode()

    # When Dr Li opens the visit (twice: the second click finds the same visit)
    first = client.post(f"/clinical/appointments/{checked_in.public_id}/open/")
    again = client.post(f"/clinical/appointments/{checked_in.public_id}/open/")
    encounter = Encounter.objects.get()
    assert first.url == again.url == f"/clinical/encounters/{encounter.public_id}/"
    assert encounter.reason == "Cough for three weeks" and encounter.attending == checked_in.clinician

    # And orders the chest CT
    response = client.post(f"/clinical/encounters/{encounter.public_id}/order/", {
        "order-service": str(chest_ct.public_id), "order-priority": "urgent", "order-note": "R/o pneumonia"})

    # Then the order is placed with its report, and the visit shows the preparation in Mongolian
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.priority, order.report.status) == ("urgent", "registered")
    html = client.get(f"/clinical/encounters/{encounter.public_id}/").content.decode()
    assert "Төмөр эдлэлээ авна уу." in html and 'lang="mn"' in html


def test_a_walk_in_visit_is_opened_for_a_patient_found_by_name(temuulen, doctor):
    client = signed_in(doctor)
    found = client.get("/clinical/", {"q": "Batbayar"}).content.decode()
    assert str(temuulen.public_id) in found

    response = client.post("/clinical/walk-in/", {"patient": str(temuulen.public_id), "kind": "outpatient",
                                                  "reason": "Fever"})

    encounter = Encounter.objects.get()
    assert response.url == f"/clinical/encounters/{encounter.public_id}/"
    assert (encounter.appointment, encounter.reason, encounter.opened_by) == (None, "Fever", doctor)


def test_a_clinician_of_another_hospital_cannot_open_a_visit_for_haikous_patient(temuulen, clinician_elsewhere):
    response = signed_in(clinician_elsewhere).post("/clinical/walk-in/", {"patient": str(temuulen.public_id),
                                                                          "kind": "outpatient"})

    assert response.status_code == 404 and not Encounter.objects.exists()


def test_a_diagnosis_is_found_by_words_and_shown_in_the_viewers_language_with_english_marked(
        encounter, doctor, guardian, final_report):
    client = signed_in(doctor)
    found = client.get("/clinical/icd10/", {"q": "pneumonia, unspecified"}).content.decode()
    assert "J18.9" in found

    client.post(f"/clinical/encounters/{encounter.public_id}/condition/", {
        "condition-code": "j189", "condition-clinical_status": "active", "condition-is_primary": "on"})
    client.post(f"/clinical/encounters/{encounter.public_id}/condition/", {
        "condition-code": "R05", "condition-clinical_status": "active"})

    assert list(Condition.objects.order_by("code").values_list("code", "code_known")) == [
        ("J18.9", True), ("R05", True)]
    # The mother reads Mongolian where the terminology has it, and sees where it fell back to English
    html = signed_in(guardian).get(f"/portal/reports/{final_report.public_id}/").content.decode()
    assert '<span lang="mn">Уушгины хатгалгаа</span>' in html
    cough, used = terminology.display("R05", "mn")
    if used == "mn":
        assert f'<span lang="mn">{cough}</span>' in html
    else:
        assert f'<span lang="en">{cough}</span> <small class="muted fallback">' in html


def test_a_diagnosis_without_a_name_in_the_viewers_language_is_shown_in_english_and_marked(encounter, doctor):
    from carebridge.clinical import services

    # Given a diagnosis whose code has no localised name (WHO's English title only)
    code = next(c for c in ("A00.0", "T75.3", "A01.0") if c not in terminology.icd10_localised_codes())
    services.condition_record(patient=encounter.patient, actor=doctor, code=code, encounter=encounter)
    doctor.language = "ru"
    doctor.save(update_fields=["language"])

    # When a Russian-reading doctor opens the visit
    html = signed_in(doctor).get(f"/clinical/encounters/{encounter.public_id}/").content.decode()

    # Then the English title is shown, marked as English
    english = terminology.icd10_lookup(code).display
    assert f'<span lang="en">{english}</span> <small class="muted fallback">' in html


def test_an_unknown_diagnosis_code_is_refused_beside_the_field(encounter, doctor):
    response = signed_in(doctor).post(f"/clinical/encounters/{encounter.public_id}/condition/", {
        "condition-code": "Z99.99", "condition-clinical_status": "active"})

    assert response.status_code == 400 and 'id="id_condition-code_error"' in response.content.decode()
    assert not Condition.objects.exists()


def test_vital_signs_are_recorded_with_loinc_codes_and_an_impossible_one_is_named(encounter, doctor):
    client = signed_in(doctor)

    refused = client.post(f"/clinical/encounters/{encounter.public_id}/vitals/", {
        "vitals-heart_rate": "128", "vitals-temperature": "380"})
    assert refused.status_code == 400 and 'id="id_vitals-temperature_error"' in refused.content.decode()
    assert not Observation.objects.exists()

    client.post(f"/clinical/encounters/{encounter.public_id}/vitals/", {
        "vitals-heart_rate": "128", "vitals-temperature": "38.2"})
    assert sorted(Observation.objects.values_list("code", "unit", "category")) == [
        ("8310-5", "Cel", "vital-signs"), ("8867-4", "/min", "vital-signs")]
    page = client.get(f"/clinical/encounters/{encounter.public_id}/").content.decode()
    assert "<td>38.2</td><td>°C</td>" in page


def test_allergies_medicines_vaccines_and_procedures_are_recorded_then_the_visit_is_finished(encounter, doctor):
    client = signed_in(doctor)
    base = f"/clinical/encounters/{encounter.public_id}"

    client.post(f"{base}/allergy/", {"allergy-display": "Penicillin", "allergy-criticality": "high",
                                     "allergy-reaction": "Rash"})
    client.post(f"{base}/prescription/", {"prescription-atc_code": "j01ca04", "prescription-dosage": "5 ml twice a day"})
    client.post(f"{base}/medication/", {"medication-display": "Vitamin D drops", "medication-is_active": "on"})
    client.post(f"{base}/immunization/", {"immunization-vaccine": "MMR", "immunization-occurred_on":
                                          str(timezone.localdate() - dt.timedelta(days=30)),
                                          "immunization-country": "mn"})
    client.post(f"{base}/procedure/", {"procedure-display": "Nebulisation",
                                       "procedure-performed_on": str(timezone.localdate())})
    finished = client.post(f"{base}/finish/")

    assert AllergyIntolerance.objects.get().criticality == "high"
    assert MedicationRequest.objects.get().code == "J01CA04"
    assert MedicationStatement.objects.get().display == "Vitamin D drops"
    assert Immunization.objects.get().country == "MN"
    assert "Measles, mumps and rubella vaccine (MMR)" in client.get(f"{base}/").content.decode()
    assert Procedure.objects.get().encounter == encounter
    assert finished.status_code == 302
    encounter.refresh_from_db()
    assert encounter.status == Encounter.Status.FINISHED
    late = client.post(f"{base}/order/", {"order-priority": "routine"})
    assert late.status_code == 400
