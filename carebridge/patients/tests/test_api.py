"""The same first-visit record through the JSON API."""

import pytest

from carebridge.patients.models import Patient
from carebridge.patients.tests.factories import TEMUULEN_MRZ, registered_child
from conftest import signed_in

pytestmark = pytest.mark.django_db


def registration(hospital, **overrides):
    body = {
        "mrz": TEMUULEN_MRZ, "hospital_id": str(hospital.public_id), "acting_as": "guardian",
        "relationship": "mother",
        "details": {"family_name": "Batbayar", "given_names": "Temuulen", "native_name": "Батбаяр Тэмүүлэн",
                    "sex": "male", "nationality": "MN", "preferred_language": "mn",
                    "home_time_zone": "Asia/Ulaanbaatar", "phone": "+97699112233"},
        "consents": ["personal_data", "sensitive_health_data"],
        "messaging": {"telegram": "@oyunaa"},
    }
    body.update(overrides)
    return body


def test_the_api_reads_an_mrz_and_names_the_failing_field(guardian):
    client = signed_in(guardian)

    good = client.post("/api/v1/mrz/parse", {"text": TEMUULEN_MRZ}, content_type="application/json")
    line1, line2 = TEMUULEN_MRZ.split()
    wrong_birth_digit = line2[:19] + str((int(line2[19]) + 1) % 10) + line2[20:]
    bad = client.post("/api/v1/mrz/parse", {"text": f"{line1}\n{wrong_birth_digit}"},
                      content_type="application/json")

    assert good.status_code == 200
    assert good.json()["document_number"] == "E12345678" and good.json()["nationality_alpha2"] == "MN"
    assert bad.status_code == 400
    assert bad.json()["code"].startswith("mrz_")
    assert list(bad.json()["details"]) == ["date_of_birth"]


def test_a_guardian_registers_her_child_through_the_api(guardian, haikou):
    response = signed_in(guardian).post("/api/v1/patients", registration(haikou), content_type="application/json")

    assert response.status_code == 201
    body = response.json()
    assert body["native_name"] == "Батбаяр Тэмүүлэн" and body["created"] is True
    assert body["record_numbers"][0]["hospital_id"] == str(haikou.public_id)
    assert body["is_minor"] is True


def test_registration_without_the_health_data_consent_is_refused_and_saves_nothing(guardian, haikou):
    response = signed_in(guardian).post("/api/v1/patients", registration(haikou, consents=["personal_data"]),
                                        content_type="application/json")

    assert response.status_code == 400
    assert "consent_sensitive_health_data" in response.json()["details"]
    assert not Patient.objects.exists()


def test_a_portal_user_cannot_register_as_staff(guardian, haikou):
    response = signed_in(guardian).post("/api/v1/patients", registration(haikou, acting_as="staff"),
                                        content_type="application/json")

    assert response.status_code == 404
    assert not Patient.objects.exists()


def test_the_guardian_lists_and_updates_her_childs_record(guardian, haikou):
    child = registered_child(guardian=guardian, hospital=haikou)
    client = signed_in(guardian)

    listed = client.get("/api/v1/patients").json()
    changed = client.patch(f"/api/v1/patients/{child.public_id}", {"emergency_contact_name": "Bold",
                                                                    "emergency_contact_phone": "+97699112244"},
                           content_type="application/json")

    assert [p["id"] for p in listed["items"]] == [str(child.public_id)]
    assert changed.status_code == 200 and changed.json()["emergency_contact_phone"] == "+97699112244"


def test_an_unparseable_phone_is_refused_with_the_field_named(guardian, haikou):
    child = registered_child(guardian=guardian, hospital=haikou)

    response = signed_in(guardian).patch(f"/api/v1/patients/{child.public_id}", {"phone": "call me"},
                                         content_type="application/json")

    assert response.status_code == 400 and "phone" in response.json()["details"]
    child.refresh_from_db()
    assert child.phone == "+97699112233"


def test_the_coordinator_searches_and_works_the_queue_through_the_api(coordinator, guardian, haikou):
    child = registered_child(guardian=guardian, hospital=haikou)
    client = signed_in(coordinator)

    found = client.get("/api/v1/patients", {"q": "Батбаяр"}).json()
    queue = client.get("/api/v1/desk/queue").json()

    assert [p["id"] for p in found["items"]] == [str(child.public_id)]
    assert [p["id"] for p in queue["new"]] == [str(child.public_id)]


def test_documents_policies_and_consents_through_the_api(guardian, haikou, cigna):
    from django.core.files.uploadedfile import SimpleUploadedFile

    child = registered_child(guardian=guardian, hospital=haikou)
    client = signed_in(guardian)
    base = f"/api/v1/patients/{child.public_id}"

    uploaded = client.post(f"{base}/documents", {"kind": "lab", "language": "mn",
                                                 "file": SimpleUploadedFile("lab.pdf", b"%PDF-1.4 results")})
    rejected = client.post(f"{base}/documents", {"kind": "lab", "file": SimpleUploadedFile("x.pdf", b"GIF89a")})
    policy = client.post(f"{base}/insurance-policies", {"payer_id": str(cigna.public_id), "member_id": "CG-1"},
                         content_type="application/json")
    given = client.post(f"{base}/consents", {"kind": "cross_border_transfer"}, content_type="application/json")
    withdrawn = client.post(f"{base}/consents/{given.json()['id']}/withdraw")

    assert uploaded.status_code == 201 and uploaded.json()["content_type"] == "application/pdf"
    assert rejected.status_code == 400 and rejected.json()["code"] == "file_type_not_supported"
    assert policy.status_code == 201 and policy.json()["insurer"] == "Cigna Global"
    assert given.status_code == 201 and given.json()["given_as"] == "guardian"
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
