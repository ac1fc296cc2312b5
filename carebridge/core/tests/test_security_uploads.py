"""Upload limits: a file above the limit is refused with a clear 4xx and nothing is written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext

from carebridge.audit.models import AuditEvent
from carebridge.patients.models import PatientDocument
from conftest import signed_in

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PDF_HEAD = b"%PDF-1.4\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def temuulen(guardian, haikou):
    from carebridge.patients.tests.factories import registered_child

    return registered_child(guardian=guardian, hospital=haikou)


def stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def oversized_pdf(size):
    return SimpleUploadedFile("records.pdf", PDF_HEAD + b"0" * (size - len(PDF_HEAD)), "application/pdf")


def test_a_prior_record_above_10_mb_is_refused_by_the_api_and_nothing_is_stored(guardian, temuulen,
                                                                                 media_in_tmp):
    client = signed_in(guardian, second_factor=False)
    document_rows = AuditEvent.objects.filter(action__startswith="document").count()

    response = client.post(f"/api/v1/patients/{temuulen.public_id}/documents",
                           {"file": oversized_pdf(10 * MB + 1), "kind": "discharge_summary"})

    assert response.status_code == 400
    assert response.json()["code"] == "file_too_large"
    assert "10 MB" in response.json()["message"]
    assert PatientDocument.objects.count() == 0 and stored_files(media_in_tmp) == []
    assert AuditEvent.objects.filter(action__startswith="document").count() == document_rows


def test_a_prior_record_of_exactly_10_mb_is_accepted(guardian, temuulen, media_in_tmp):
    client = signed_in(guardian, second_factor=False)

    response = client.post(f"/api/v1/patients/{temuulen.public_id}/documents",
                           {"file": oversized_pdf(10 * MB), "kind": "discharge_summary"})

    assert response.status_code == 201
    assert PatientDocument.objects.count() == 1


def test_a_prior_record_above_10_mb_is_refused_on_the_portal_with_a_message(guardian, temuulen, media_in_tmp):
    client = signed_in(guardian, second_factor=False)

    response = client.post(f"/portal/patients/{temuulen.public_id}/documents/",
                           {"file": oversized_pdf(10 * MB + 1), "kind": "discharge_summary"}, follow=True)

    with translation.override("mn"):  # the guardian reads Mongolian
        assert gettext("The file is larger than 10 MB.") in response.content.decode()
    assert PatientDocument.objects.count() == 0 and stored_files(media_in_tmp) == []


def test_a_patient_summary_above_5_mb_is_refused_on_the_page_with_413_and_nothing_is_imported(guardian,
                                                                                              temuulen):
    from carebridge.interop.ips.models import IpsImport

    client = signed_in(guardian, second_factor=False)
    summary = SimpleUploadedFile("ips.json", b'{"resourceType": "Bundle", "pad": "' + b"x" * 5 * MB + b'"}',
                                 "application/json")

    response = client.post(f"/summary/{temuulen.public_id}/import/", {"file": summary})

    assert response.status_code == 413
    with translation.override("mn"):  # the guardian reads Mongolian
        assert gettext("The file is larger than %(size)s MB.") % {"size": 5} in response.content.decode()
    assert IpsImport.objects.count() == 0


@pytest.mark.parametrize("size", [3 * MB, 5 * MB + 1])
def test_a_patient_summary_above_5_mb_is_refused_over_fhir_with_413_and_an_operation_outcome(guardian, temuulen,
                                                                                             size):
    from carebridge.interop.ips.models import IpsImport

    client = signed_in(guardian, second_factor=False)
    body = b'{"resourceType": "Bundle", "pad": "' + b"x" * size + b'"}'

    response = client.post(f"/fhir/r4/Patient/{temuulen.public_id}/$ips-import", body,
                           content_type="application/fhir+json")

    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    if size > 5 * MB:
        assert response.status_code == 413
        assert outcome["issue"][0]["code"] == "too-costly"
    else:  # within the limit: read and judged on its content, not refused for its size
        assert response.status_code in (400, 422)
        assert outcome["issue"][0]["code"] != "too-costly"
    assert IpsImport.objects.count() == 0


def test_a_bank_statement_above_5_mb_is_refused_and_nothing_is_imported(cashier, haikou):
    from carebridge.billing.models import BankStatement, BankStatementLine

    client = signed_in(cashier)
    statement = SimpleUploadedFile("statement.csv", b"date,amount,currency,reference\n" + b"0" * 5 * MB,
                                   "text/csv")

    response = client.post(f"/api/v1/billing/bank-statements?hospital={haikou.public_id}", {"file": statement})

    assert response.status_code == 400
    assert response.json()["code"] == "bank_statement_invalid"
    assert "5 MB" in response.json()["message"]
    assert BankStatement.objects.count() == 0 and BankStatementLine.objects.count() == 0


def test_a_bank_statement_above_5_mb_is_refused_on_the_cashier_page(cashier, haikou):
    from carebridge.billing.models import BankStatement

    client = signed_in(cashier)
    statement = SimpleUploadedFile("statement.csv", b"date,amount,currency,reference\n" + b"0" * 5 * MB,
                                   "text/csv")

    response = client.post(f"/billing/bank/?hospital={haikou.public_id}", {"file": statement,
                                                                           "hospital": str(haikou.public_id)})

    assert response.status_code == 400
    assert "5 MB" in response.content.decode()
    assert BankStatement.objects.count() == 0


def test_a_json_body_above_the_request_limit_is_refused_with_a_400_and_writes_nothing(coordinator):
    from carebridge.patients.models import Patient

    client = signed_in(coordinator)
    body = b'{"family_name": "' + b"x" * 3 * MB + b'"}'

    response = client.post("/api/v1/patients", body, content_type="application/json")

    assert response.status_code == 400
    assert Patient.objects.count() == 0
