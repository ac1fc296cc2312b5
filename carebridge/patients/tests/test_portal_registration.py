"""A mother in Ulaanbaatar registers her one-year-old from the passport, in Mongolian, before they fly."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carebridge.audit.models import AuditEvent, Consent
from carebridge.patients.models import Guardianship, IdentityDocument, MedicalRecordNumber, Patient
from carebridge.patients.tests.factories import TEMUULEN_MRZ, details_form, registered_child
from conftest import signed_in

pytestmark = pytest.mark.django_db


def test_pasting_the_mrz_fills_in_the_passport_details(guardian, haikou):
    client = signed_in(guardian)

    response = client.post("/portal/register/", {"acting_as": "guardian", "mrz": TEMUULEN_MRZ.lower()})

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["family_name"] == "Batbayar"
    assert form.initial["nationality"] == "MN"
    assert form.initial["preferred_language"] == "mn"
    assert response.context["mrz_data"].document_number == "E12345678"
    assert 'lang="mn"' in response.content.decode()


def test_a_wrong_check_digit_names_the_field_and_saves_nothing(guardian):
    broken = TEMUULEN_MRZ.replace("E123456782", "E123456783")

    response = signed_in(guardian).post("/portal/register/", {"acting_as": "guardian", "mrz": broken},
                                        HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.context["form"].errors["mrz"]
    assert not Patient.objects.exists()


def test_the_guardian_confirms_the_details_and_the_childs_record_is_created(guardian, haikou):
    client = signed_in(guardian)

    response = client.post("/portal/register/details/", details_form(TEMUULEN_MRZ, haikou))

    assert response.status_code == 302
    patient = Patient.objects.get()
    assert patient.native_name == "Батбаяр Тэмүүлэн"
    assert patient.phone == "+97699112233"
    assert patient.account is None
    assert Guardianship.objects.get(patient=patient).guardian == guardian
    assert MedicalRecordNumber.objects.get(patient=patient).hospital == haikou
    document = IdentityDocument.objects.get(patient=patient)
    assert document.number == "E12345678" and document.issuing_state == "MNG"
    assert "E12345678" not in document.number_encrypted
    consents = Consent.objects.filter(subject_public_id=patient.public_id)
    assert {c.kind for c in consents} == {"personal_data", "sensitive_health_data", "cross_border_transfer"}
    assert {c.given_as for c in consents} == {"guardian"} and {c.text_language for c in consents} == {"mn"}
    home = client.get(response.url)
    assert home.status_code == 200
    assert "Батбаяр Тэмүүлэн" in home.content.decode()


def test_the_birth_date_comes_from_the_passport_not_the_form(guardian, haikou):
    signed_in(guardian).post("/portal/register/details/", details_form(TEMUULEN_MRZ, haikou,
                                                                       date_of_birth="1980-01-01"))

    assert Patient.objects.get().date_of_birth.year >= 2024


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "12"), ("home_time_zone", "Asia/Atlantis"), ("relationship", ""), ("family_name", ""),
     ("consent_sensitive_health_data", None), ("consent_personal_data", None), ("preferred_language", "zz")],
)
def test_bad_details_re_render_with_the_reason_and_nothing_is_saved(guardian, haikou, field, value):
    response = signed_in(guardian).post("/portal/register/details/",
                                        details_form(TEMUULEN_MRZ, haikou, **{field: value}))

    assert response.status_code == 400
    assert response.context["form"].errors
    assert not Patient.objects.exists()
    assert not IdentityDocument.objects.exists()
    assert not Consent.objects.exists()


def test_registering_the_same_passport_again_links_instead_of_duplicating(guardian, haikou, chongqing):
    client = signed_in(guardian)
    client.post("/portal/register/details/", details_form(TEMUULEN_MRZ, haikou))

    response = client.post("/portal/register/details/", details_form(TEMUULEN_MRZ, chongqing))

    assert response.status_code == 302
    patient = Patient.objects.get()
    assert set(patient.record_numbers.values_list("hospital__slug", flat=True)) == {"haikou", "chongqing"}


def test_a_stranger_with_the_same_passport_number_cannot_take_over_the_record(guardian, other_patient, haikou):
    registered_child(guardian=guardian, hospital=haikou)

    response = signed_in(other_patient).post("/portal/register/details/", details_form(TEMUULEN_MRZ, haikou))

    assert response.status_code == 400
    assert "already registered" in str(response.context["form"].non_field_errors())
    assert Patient.objects.count() == 1
    assert not Guardianship.objects.filter(guardian=other_patient).exists()


def test_a_guardian_uploads_a_prior_discharge_summary_and_only_a_pdf_is_accepted_as_one(guardian, haikou):
    patient = registered_child(guardian=guardian, hospital=haikou)
    client = signed_in(guardian)
    url = f"/portal/patients/{patient.public_id}/documents/"

    client.post(url, {"kind": "discharge_summary", "language": "mn",
                      "file": SimpleUploadedFile("summary.pdf", b"%PDF-1.7\n...", content_type="application/pdf")})
    client.post(url, {"kind": "lab", "file": SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf",
                                                                 content_type="application/pdf")})

    documents = list(patient.uploaded_documents.all())
    assert len(documents) == 1 and documents[0].content_type == "application/pdf"
    download = client.get(f"/documents/{documents[0].public_id}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="patient_document.read").count() == 1


def test_an_oversized_upload_is_refused(guardian, haikou, settings):
    patient = registered_child(guardian=guardian, hospital=haikou)
    big = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024 + 1))

    signed_in(guardian).post(f"/portal/patients/{patient.public_id}/documents/", {"kind": "imaging", "file": big})

    assert not patient.uploaded_documents.exists()


def test_a_guardian_adds_the_childs_insurance_policy_with_a_card_photo(guardian, haikou, cigna):
    patient = registered_child(guardian=guardian, hospital=haikou)
    card = SimpleUploadedFile("card.jpg", b"\xff\xd8\xff\xe0fakejpeg", content_type="image/jpeg")

    signed_in(guardian).post(f"/portal/patients/{patient.public_id}/insurance/", {
        "payer": str(cigna.public_id), "member_id": "CG-778812", "plan_name": "Global Silver",
        "valid_from": "2026-01-01", "valid_to": "2026-12-31", "direct_billing_requested": "on", "card_front": card})

    policy = patient.insurance_policies.get()
    assert policy.payer == cigna and policy.member_id == "CG-778812"
    assert policy.card_images.count() == 1


def test_a_guardian_withdraws_the_cross_border_consent_of_her_child(guardian, haikou):
    patient = registered_child(guardian=guardian, hospital=haikou)
    client = signed_in(guardian)
    client.post(f"/portal/patients/{patient.public_id}/consents/", {"kind": "cross_border_transfer"})
    consent = Consent.objects.get(subject_public_id=patient.public_id, kind="cross_border_transfer")

    client.post(f"/portal/patients/{patient.public_id}/consents/", {"withdraw": str(consent.public_id)})

    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == guardian


def test_a_guardian_switches_between_her_children(guardian, haikou):
    from carebridge.patients.tests.factories import td3

    first = registered_child(guardian=guardian, hospital=haikou)
    sister = td3(surname="BATBAYAR", given="SARNAI", number="E87654321", nationality="MNG", birth="200101",
                 sex="F", expiry="300101")
    second = registered_child(guardian=guardian, hospital=haikou, mrz=sister)
    client = signed_in(guardian)

    page = client.get(f"/portal/?patient={second.public_id}")

    assert page.context["patient"] == second
    assert {p.pk for p in page.context["patients"]} == {first.pk, second.pk}


def test_every_look_at_the_record_is_audited(guardian, haikou):
    patient = registered_child(guardian=guardian, hospital=haikou)

    signed_in(guardian).get(f"/portal/?patient={patient.public_id}")

    row = AuditEvent.objects.filter(action="patient.read", patient_public_id=patient.public_id).get()
    assert row.actor_public_id == guardian.public_id
