"""Anyone can check a printed document's code, without signing in and without seeing health data."""

import pytest
from django.test import Client

from carebridge.audit.models import AuditEvent
from carebridge.documents.codes import ALPHABET, code_generate, code_normalise
from carebridge.documents.models import Document


@pytest.fixture
def issued(request_document, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = request_document("mn")
    document.refresh_from_db()
    assert document.status == Document.Status.READY
    return document


def _tampered(code):
    last = code[-1]
    return code[:-1] + ALPHABET[(ALPHABET.index(last) + 1) % len(ALPHABET)]


def test_the_public_page_confirms_a_real_code_without_health_data(issued):
    response = Client().get(f"/verify/{issued.verification_code}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "This document is genuine" in page
    assert "Haikou International Hospital" in page and "海口国际医院" in page
    assert issued.content_sha256 in page and issued.sha256 in page
    assert "Test summary" in page
    # The patient's name and the document's content never appear
    assert "Temuulen" not in page and "BATBAYAR" not in page and "Өвчтөний" not in page
    assert str(issued.patient_public_id) not in page


def test_a_tampered_code_is_not_genuine_and_answers_404(issued):
    response = Client().get(f"/verify/{_tampered(issued.verification_code)}/")

    assert response.status_code == 404
    assert "Not a genuine document" in response.content.decode()


def test_a_code_typed_in_lower_case_without_dashes_and_with_o_for_zero_still_verifies(issued):
    typed = issued.verification_code.replace("-", "").lower().replace("0", "o")

    response = Client().get("/verify/", {"code": typed})

    assert response.status_code == 302
    assert response["Location"] == f"/verify/{issued.verification_code}/"


def test_the_form_refuses_what_cannot_be_a_code(db):
    response = Client().get("/verify/", {"code": "hello"})

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_document_not_ready_yet_does_not_verify(request_document, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        document = request_document("en")

    assert Client().get(f"/verify/{document.verification_code}/").status_code == 404


def test_each_verification_is_audited_without_patient_data(issued):
    Client().get(f"/verify/{issued.verification_code}/")
    Client().get(f"/verify/{_tampered(issued.verification_code)}/")

    verified = AuditEvent.objects.get(action="document.verified")
    failed = AuditEvent.objects.get(action="document.verification_failed")
    assert verified.object_id == str(issued.public_id) and verified.patient_public_id is None
    assert verified.organisation_public_id == issued.issuer.public_id
    assert failed.outcome == AuditEvent.Outcome.FAILURE and failed.patient_public_id is None


def test_the_api_tells_a_genuine_document_and_its_hashes(issued):
    response = Client().get(f"/api/v1/verify/{issued.verification_code}")

    assert response.status_code == 200
    body = response.json()
    assert body["genuine"] is True
    assert body["issuer"]["name"] == "Haikou International Hospital"
    assert body["kind"] == "test_summary"
    assert body["content_sha256"] == issued.content_sha256 and body["pdf_sha256"] == issued.sha256
    assert "patient" not in str(body).lower()


def test_the_api_answers_404_for_a_tampered_code(issued):
    response = Client().get(f"/api/v1/verify/{_tampered(issued.verification_code)}")

    assert response.status_code == 404
    assert response.json()["code"] == "document_not_genuine"


def test_guessing_codes_in_bulk_is_throttled(settings, db):
    settings.DOCUMENTS_VERIFY_LIMIT = 3
    client = Client()

    statuses = [client.get(f"/verify/{code_generate()}/").status_code for _ in range(4)]

    assert statuses == [404, 404, 404, 429]
    assert client.get(f"/api/v1/verify/{code_generate()}").status_code == 429


def test_codes_are_ten_crockford_symbols_grouped_for_typing():
    code = code_generate()

    assert len(code) == 12 and code[4] == code[9] == "-"
    assert all(ch in ALPHABET for ch in code.replace("-", ""))
    assert code_normalise(f" {code.lower()} ") == code
    assert code_normalise("K7QX-9M2P-4") is None and code_normalise("K7QX-9M2P-4U") is None
    assert code_normalise("k7qx 9m2p 4d") == "K7QX-9M2P-4D"
    assert code_normalise("K7QX-9M2P-4I") == "K7QX-9M2P-41"
