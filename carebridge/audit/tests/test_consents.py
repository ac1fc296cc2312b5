"""Consents: separate, versioned, in the language shown, withdrawable, and required before acting."""

import pytest
from django.utils import translation

from carebridge.audit.models import AuditEvent, Consent, ConsentKind
from carebridge.audit.services import ConsentRequired, consent_give, consent_require, consent_withdraw
from carebridge.core.errors import Conflict
from conftest import signed_in

pytestmark = pytest.mark.django_db


def test_each_consent_kind_is_separate(guardian):
    consent_give(subject_public_id=guardian.public_id, kind=ConsentKind.SENSITIVE_HEALTH_DATA, given_by=guardian)

    consent_require(subject_public_id=guardian.public_id, kind=ConsentKind.SENSITIVE_HEALTH_DATA)
    with pytest.raises(ConsentRequired) as refused:
        consent_require(subject_public_id=guardian.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER)
    assert refused.value.code == "consent_required"
    assert refused.value.details == {"kind": "cross_border_transfer"}


def test_the_text_is_stored_in_the_language_it_was_shown_in(guardian):
    consent = consent_give(subject_public_id=guardian.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER,
                           given_by=guardian, language="mn")

    with translation.override("mn"):
        from carebridge.audit.consent_texts import consent_text

        expected = consent_text(ConsentKind.CROSS_BORDER_TRANSFER)[1]
    assert consent.text_language == "mn"
    assert consent.text_shown == expected
    assert len(consent.text_sha256) == 64


def test_a_consent_cannot_be_given_twice_while_active(guardian):
    consent_give(subject_public_id=guardian.public_id, kind=ConsentKind.PERSONAL_DATA, given_by=guardian)

    with pytest.raises(Conflict):
        consent_give(subject_public_id=guardian.public_id, kind=ConsentKind.PERSONAL_DATA, given_by=guardian)
    assert Consent.objects.count() == 1


def test_a_withdrawn_consent_stays_on_the_record_and_no_longer_counts(guardian):
    consent = consent_give(subject_public_id=guardian.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER,
                           given_by=guardian)

    consent_withdraw(consent=consent, withdrawn_by=guardian)

    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == guardian
    with pytest.raises(ConsentRequired):
        consent_require(subject_public_id=guardian.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER)
    assert AuditEvent.objects.filter(action="consent.withdrawn", object_id=str(consent.public_id)).count() == 1
    again = consent_give(subject_public_id=guardian.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER,
                         given_by=guardian)
    assert again.pk != consent.pk


def test_a_guardian_gives_and_withdraws_consents_on_the_consents_page(guardian):
    client = signed_in(guardian)

    client.post("/consents/give/", {"kind": "sensitive_health_data"})
    consent = Consent.objects.get(subject_public_id=guardian.public_id)
    assert consent.text_language == "mn"
    page = client.get("/consents/")
    assert page.status_code == 200
    assert consent.text_shown in page.content.decode()

    client.post(f"/consents/{consent.public_id}/withdraw/")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_nobody_can_withdraw_another_persons_consent(guardian, other_patient):
    consent = consent_give(subject_public_id=guardian.public_id, kind=ConsentKind.PERSONAL_DATA, given_by=guardian)
    client = signed_in(other_patient)

    page = client.post(f"/consents/{consent.public_id}/withdraw/")
    api = client.post(f"/api/v1/consents/{consent.public_id}/withdraw")

    assert page.status_code == 404
    assert api.status_code == 404 and api.json()["code"] == "not_found"
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(consent.public_id)).count() == 2


def test_consents_through_the_api(guardian):
    client = signed_in(guardian)

    given = client.post("/api/v1/consents", {"kind": "messaging_contact"}, content_type="application/json")
    assert given.status_code == 201
    listed = client.get("/api/v1/consents").json()
    assert listed["count"] == 1 and listed["items"][0]["kind"] == "messaging_contact"
    withdrawn = client.post(f"/api/v1/consents/{given.json()['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    twice = client.post(f"/api/v1/consents/{given.json()['id']}/withdraw")
    assert twice.status_code == 409 and twice.json()["code"] == "consent_already_withdrawn"


def test_an_unknown_consent_kind_gets_a_400_with_the_error_body(guardian):
    response = signed_in(guardian).post("/api/v1/consents", {"kind": "sell_my_data"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "kind" in response.json()["details"]
    assert not Consent.objects.exists()
