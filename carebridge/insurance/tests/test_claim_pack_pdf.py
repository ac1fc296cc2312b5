"""The claim pack: one bilingual PDF with the coded invoice, proof of payment, the medical report, prescriptions and
a pre-filled claim form, the verification code on every page; downloadable by the family and the desk (audited);
sent to the insurer only with the patient's consent to cross-border transfer."""

import pytest
from django.core import mail
from django.utils import timezone

from carebridge.audit.models import AuditEvent, ConsentKind
from carebridge.audit.services import consent_give
from carebridge.billing import services as billing
from carebridge.clinical.models import MedicationRequest
from carebridge.core.models import Job
from carebridge.documents.models import Document
from carebridge.documents.services import document_render_sync
from carebridge.documents.tests.support import pdf_text
from carebridge.insurance import claim_pack
from carebridge.insurance.models import ClaimPackSend
from conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(final_invoice, temuulen, haikou, cashier, policy, delivered):
    """The family paid the whole invoice by card; the doctor prescribed amoxicillin at the visit."""
    MedicationRequest.objects.create(patient=temuulen, encounter=delivered, code="J01CA04", display="Amoxicillin",
                                     code_system="http://www.whocc.no/atc", dosage="250 mg three times a day",
                                     quantity="21 capsules", prescriber=cashier, authored_at=timezone.now())
    billing.payment_record(hospital=haikou, patient=temuulen, invoice=final_invoice, channel="card",
                           amount=str(final_invoice.total), currency="CNY", reference="POS-7781", received_by=cashier)
    final_invoice.refresh_from_db()
    return final_invoice


def rendered(document):
    if document.status != Document.Status.READY:
        document_render_sync(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    return pdf_text(document.file.path)


def test_the_pack_holds_codes_both_languages_and_the_code_on_every_page(paid, policy):
    document = claim_pack.claim_pack_document(invoice=paid, requested_by=None)

    text = rendered(document)

    assert document.languages == ["en", "mn"]
    assert "J44.9" in text and "chest-ct" in text and paid.number in text
    assert "Chronic obstructive pulmonary disease" in text
    assert "Insurance claim pack" in text and "Claim form" in text and "Proof of payment" in text
    assert "Medical report" in text and "Prescriptions" in text
    squeezed = "".join(text.split())
    assert "Нэхэмжлэх" in text  # the invoice's title in Mongolian
    assert "Нөхөнтөлбөрийнмаягт" in squeezed and "Төлбөртөлсөнбаримт" in squeezed  # claim form, proof of payment
    assert "Даатгалыннөхөнтөлбөрийнбаримтынбагц" in squeezed  # the pack's title
    assert "CG-8841-2207" in text and "Cigna Global Gold" in text  # the pre-filled form
    assert "POS-7781" in text and "Amoxicillin" in text and "250 mg three times a day" in text
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 5
    for page in pages:
        assert document.verification_code in page.replace(" ", "")


def test_a_chinese_reader_gets_chinese_and_english(paid, temuulen):
    temuulen.preferred_language = "zh-hans"
    temuulen.save()

    text = rendered(claim_pack.claim_pack_document(invoice=paid, requested_by=None))

    squeezed = "".join(text.split())
    assert "Claim form" in text and "J44.9" in text
    assert "理赔申请表" in squeezed and "付款证明" in squeezed and "商业保险理赔材料包" in squeezed


def test_the_same_pack_is_given_again_until_something_changes(paid, cashier):
    first = claim_pack.claim_pack_document(invoice=paid, requested_by=cashier)
    again = claim_pack.claim_pack_document(invoice=paid, requested_by=cashier)

    assert first == again


def test_the_guardian_and_the_cashier_download_it_and_each_download_is_audited(
        paid, guardian, cashier, django_capture_on_commit_callbacks):
    url = f"/insurance/claim-pack/{paid.public_id}/pdf/"
    for user, second_factor in ((guardian, False), (cashier, True)):
        client = signed_in(user, second_factor=second_factor)
        with django_capture_on_commit_callbacks(execute=True):
            client.get(url)
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert AuditEvent.objects.filter(action="document.read", actor_public_id=user.public_id,
                                         purpose="insurance-claim-pack").exists()
    page = signed_in(guardian, second_factor=False).get(f"/insurance/claim-pack/{paid.public_id}/")
    assert page.status_code == 200


def test_another_family_and_another_hospital_get_404(paid, other_patient, other_cashier):
    for user in (other_patient, other_cashier):
        client = signed_in(user)
        assert client.get(f"/insurance/claim-pack/{paid.public_id}/").status_code == 404
        assert client.get(f"/insurance/claim-pack/{paid.public_id}/pdf/").status_code == 404
        assert client.post(f"/insurance/claim-pack/{paid.public_id}/send/",
                           {"address": "x@y.test"}).status_code == 404
    assert not Document.objects.exists() and not ClaimPackSend.objects.exists()


def test_sending_without_consent_is_refused_and_writes_nothing(paid, guardian):
    jobs_before = Job.objects.count()

    response = signed_in(guardian, second_factor=False).post(f"/insurance/claim-pack/{paid.public_id}/send/",
                                                             {"address": "claims@cigna.test"})

    assert response.status_code == 403
    # The refusal, in the guardian's Mongolian: "only if you agree to the transfer ... outside mainland China".
    assert "эх газрын Хятадаас гадагш дамжуулахыг" in response.content.decode()
    assert b"/consent/" in response.content  # offered: give consent here
    assert not ClaimPackSend.objects.exists() and not Document.objects.exists()
    assert Job.objects.count() == jobs_before and mail.outbox == []
    assert AuditEvent.objects.filter(action="claim_pack.refused").exists()


def test_with_consent_the_pack_is_recorded_and_emailed_to_the_insurers_claims_address(
        paid, guardian, temuulen, cigna, django_capture_on_commit_callbacks):
    client = signed_in(guardian, second_factor=False)
    client.post(f"/insurance/claim-pack/{paid.public_id}/consent/")
    assert claim_pack.cross_border_consent(temuulen) is not None

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/insurance/claim-pack/{paid.public_id}/send/", {"address": ""})

    assert response.status_code == 302
    send = ClaimPackSend.objects.get()
    assert send.address == "claims@cigna.test" and send.payer == cigna
    assert send.consent.kind == ConsentKind.CROSS_BORDER_TRANSFER
    [message] = mail.outbox
    assert message.to == ["claims@cigna.test"] and paid.number in message.subject
    [(filename, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    claim_pack.claim_pack_deliver(send_id=send.pk, document_id=Document.objects.get().pk)
    assert len(mail.outbox) == 1  # a re-run of the job sends nothing more


def test_an_address_the_patient_gives_is_used(paid, guardian, temuulen, django_capture_on_commit_callbacks):
    consent_give(subject_public_id=temuulen.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER, given_by=guardian,
                 given_as="guardian")

    with django_capture_on_commit_callbacks(execute=True):
        claim_pack.claim_pack_send(invoice=paid, requested_by=guardian, address="refunds@mongol-daatgal.mn")

    assert mail.outbox[0].to == ["refunds@mongol-daatgal.mn"]


def test_a_bad_address_is_refused(paid, guardian, temuulen):
    consent_give(subject_public_id=temuulen.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER, given_by=guardian,
                 given_as="guardian")

    with pytest.raises(claim_pack.ValidationFailed):
        claim_pack.claim_pack_send(invoice=paid, requested_by=guardian, address="not an address")
    assert not ClaimPackSend.objects.exists()
