"""Invoices, credit notes and receipts as bilingual PDFs: English beside the patient's language, for the family
and the cashier only, every download audited."""

import pytest
from django.test import Client

from carebridge.audit.models import AuditEvent
from carebridge.billing import documents, services
from carebridge.billing.models import Payment
from carebridge.documents.models import Document
from carebridge.documents.services import document_render_sync
from carebridge.documents.tests.support import pdf_text
from conftest import signed_in

pytestmark = pytest.mark.django_db


def render(document):
    if document.status != Document.Status.READY:
        document_render_sync(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    return pdf_text(document.file.path)


def squeezed(text):
    return "".join(text.split())


@pytest.fixture
def paid_in_part(issued_invoice, temuulen, haikou, cashier):
    return services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="card",
                                   amount="300.00", currency="CNY", reference="SLIP-42", received_by=cashier)


def test_the_invoice_pdf_prints_codes_totals_and_both_languages(issued_invoice, paid_in_part):
    document = documents.invoice_document(invoice=issued_invoice, requested_by=None)

    text = render(document)

    assert document.languages == ["en", "mn"] and document.kind == documents.INVOICE
    assert issued_invoice.number in text
    assert "J44.9" in text and "chest-ct" in text
    assert "Chronic obstructive pulmonary disease" in text
    assert "Invoice" in text and "Total" in text and "Balance due" in text  # English
    assert "Нэхэмжлэх" in text  # Mongolian: the title
    assert "900.00" in text and "600.00" in text and "SLIP-42" in text
    assert "MNT" in text  # the total in the family's currency, at the frozen rate
    assert document.verification_code in squeezed(text).replace("-", "") or document.verification_code in text


def test_a_chinese_reader_gets_chinese_and_english(issued_invoice, temuulen):
    temuulen.preferred_language = "zh-hans"
    temuulen.save()

    assert documents.document_languages(temuulen) == ("zh-hans", "en")
    assert documents.document_languages(type(temuulen)(preferred_language="en")) == ("en", "zh-hans")


def test_the_same_bill_gives_the_same_document_and_a_payment_a_new_one(issued_invoice, temuulen, haikou, cashier):
    first = documents.invoice_document(invoice=issued_invoice, requested_by=cashier)
    again = documents.invoice_document(invoice=issued_invoice, requested_by=cashier)
    services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="cash",
                            amount="100.00", currency="CNY", received_by=cashier)
    after = documents.invoice_document(invoice=issued_invoice, requested_by=cashier)

    assert first == again and after != first


def test_the_receipt_prints_amount_cny_channel_and_reference(temuulen, haikou, cashier, rates):
    payment = services.payment_record(hospital=haikou, patient=temuulen, purpose="deposit", channel="bank_transfer",
                                      amount="4800", currency="MNT", reference="B-2026-77", received_by=cashier)

    text = render(documents.receipt_document(payment=payment, requested_by=cashier))

    assert "Payment receipt" in text and "B-2026-77" in text
    assert "10.00 CNY" in text and "Bank transfer" in text
    assert "Haikou International Hospital" in text


def test_the_credit_note_names_the_invoice_it_credits(issued_invoice, cashier):
    note = services.credit_note_issue(invoice=issued_invoice, amount="100.00", reason="Duplicate scan",
                                      issued_by=cashier)

    text = render(documents.invoice_document(invoice=note, requested_by=cashier))

    assert "Credit note" in text and issued_invoice.number in text and note.number in text
    assert "Duplicate scan" in text


def test_the_guardian_downloads_the_invoice_and_the_download_is_audited(issued_invoice, paid_in_part, guardian,
                                                                           django_capture_on_commit_callbacks):
    client = signed_in(guardian, second_factor=False)
    url = f"/billing/invoices/{issued_invoice.public_id}/pdf/"

    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url)  # the document is prepared (rendered after commit)
    response = client.get(url)

    assert first.status_code == 200
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="document.read", actor_public_id=guardian.public_id).exists()


def test_the_cashier_downloads_a_receipt(paid_in_part, cashier, django_capture_on_commit_callbacks):
    client = signed_in(cashier)
    url = f"/billing/payments/{paid_in_part.public_id}/receipt/"

    with django_capture_on_commit_callbacks(execute=True):
        client.get(url)
    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_a_patient_of_another_family_gets_404(issued_invoice, paid_in_part, other_patient, other_cashier):
    for user in (other_patient, other_cashier):
        client = signed_in(user)
        assert client.get(f"/billing/invoices/{issued_invoice.public_id}/pdf/").status_code == 404
        assert client.get(f"/billing/payments/{paid_in_part.public_id}/receipt/").status_code == 404
    assert not Document.objects.exists()
    assert not Payment.objects.exclude(pk=paid_in_part.pk).exists()


def test_a_draft_has_no_pdf(temuulen, haikou, cashier, delivered):
    draft = services.invoice_draft_create(hospital=haikou, patient=temuulen, created_by=cashier)

    response = signed_in(cashier).get(f"/billing/invoices/{draft.public_id}/pdf/")

    assert response.status_code in (404, 409)
    assert not Document.objects.exists()


def test_the_family_and_the_cashier_find_the_receipt_links(paid_in_part, temuulen, guardian, cashier):
    receipt = f"/billing/payments/{paid_in_part.public_id}/receipt/"

    portal = signed_in(guardian, second_factor=False).get(f"/billing/account/?patient={temuulen.public_id}")
    desk = signed_in(cashier).get(f"/billing/desk/patients/{temuulen.public_id}/")
    home = signed_in(cashier).get("/billing/desk/")

    assert receipt in portal.content.decode() and receipt in desk.content.decode()
    assert "/billing/bank/" in home.content.decode() and "/billing/reconciliation/" in home.content.decode()


def test_anyone_holding_the_printed_invoice_can_verify_its_code(issued_invoice, cashier):
    from django.core.cache import cache

    cache.clear()
    document = documents.invoice_document(invoice=issued_invoice, requested_by=cashier)
    render(document)

    page = Client().get(f"/verify/{document.verification_code}/")

    assert page.status_code == 200 and issued_invoice.number in page.content.decode()
    assert "Temuulen" not in page.content.decode()
