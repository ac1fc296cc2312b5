"""Share links: Temuulen's mother shares his International Patient Summary and a PDF with his doctor in Ulaanbaatar.

No link without the cross-border transfer consent; the doctor opens it without an account, in their language;
passcodes lock after five wrong tries; expired, revoked or unconsented links are gone; every use is logged,
audited and shown to the mother; nobody else sees or revokes her links.
"""

import datetime as dt
import hashlib
import json
import uuid

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carebridge.audit.models import AuditEvent, Consent, ConsentKind
from carebridge.audit.services import consent_give, consent_withdraw
from carebridge.documents.models import Document
from carebridge.interop.sharing import jwe, selectors, services
from carebridge.interop.sharing.models import ShareLink, ShareLinkAccess
from conftest import signed_in

PDF = b"%PDF-1.4\n% discharge summary of Temuulen\n%%EOF\n"


def issued_pdf(patient, hospital, *, title="Discharge summary", kind="discharge_summary"):
    """Return a ready clinical PDF about the patient, as the documents app leaves it after rendering."""
    document = Document(kind=kind, title=title, issuer=hospital, patient_public_id=patient.public_id,
                        languages=["zh-hans", "mn"], template=f"clinical/documents/{kind}.html", context={},
                        status=Document.Status.READY, progress=100, content_sha256="0" * 64,
                        verification_code=uuid.uuid4().hex[:12].upper(), issued_at=timezone.now(),
                        sha256=hashlib.sha256(PDF).hexdigest())
    document.file.save(f"{uuid.uuid4()}.pdf", ContentFile(PDF), save=False)
    document.save()
    return document


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def summary(temuulen, haikou, media):
    return issued_pdf(temuulen, haikou)


@pytest.fixture
def consented(temuulen, guardian):
    return consent_give(subject_public_id=temuulen.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER,
                        given_by=guardian, given_as="guardian", language="mn")


@pytest.fixture
def link(temuulen, guardian, consented, summary):
    return services.share_link_create(patient=temuulen, created_by=guardian, label="Dr Bat, family clinic",
                                      expires_in_days=30, passcode="4711", document_ids=[summary.public_id])


def _manifest(client, link, **body):
    return client.post(reverse("shl:manifest", args=[link.token]), data=json.dumps(body),
                       content_type="application/json")


def _payload(shlink):
    return json.loads(jwe.b64url_decode(shlink.removeprefix("shlink:/")))


# --- The consent gate ---------------------------------------------------------------------------------------------


def test_without_the_cross_border_consent_no_link_is_created_and_the_page_offers_the_consent(temuulen, guardian,
                                                                                             summary):
    client = signed_in(guardian)
    response = client.post(reverse("sharing:list"), {"patient": temuulen.public_id, "label": "Dr Bat",
                                                     "expires_in_days": 30})
    assert response.status_code == 403
    assert 'data-code="cross_border_consent_required"' in response.content.decode()
    assert reverse("sharing:consent", args=[temuulen.public_id]) in response.content.decode()
    assert not ShareLink.objects.exists()
    assert AuditEvent.objects.filter(action="share_link.refused", patient_public_id=temuulen.public_id,
                                     outcome="denied").exists()


def test_the_api_refuses_without_consent_with_a_stable_code_in_the_callers_language(temuulen, guardian):
    response = signed_in(guardian).post("/api/v1/share-links", data=json.dumps(
        {"patient_id": str(temuulen.public_id), "label": "Dr Bat"}), content_type="application/json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "cross_border_consent_required"
    assert body["details"]["kind"] == "cross_border_transfer"
    assert "mainland China" not in body["message"]  # Oyunaa reads Mongolian
    assert not ShareLink.objects.exists()


def test_giving_the_consent_from_the_share_page_lets_the_mother_create_the_link(temuulen, guardian, summary):
    client = signed_in(guardian)
    client.post(reverse("sharing:consent", args=[temuulen.public_id]))
    consent = Consent.objects.get(subject_public_id=temuulen.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER)
    assert consent.given_as == "guardian" and consent.text_language == "mn"
    response = client.post(reverse("sharing:list"), {"patient": temuulen.public_id, "label": "Dr Bat",
                                                     "expires_in_days": 14, "passcode": "4711",
                                                     "document_ids": [str(summary.public_id)]})
    link = ShareLink.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sharing:detail", args=[link.public_id])
    assert link.document_ids == [str(summary.public_id)] and link.has_passcode
    assert link.passcode_hash != "4711" and "4711" not in link.passcode_hash
    assert dt.timedelta(days=13, hours=23) < link.expires_at - timezone.now() <= dt.timedelta(days=14)


def test_a_link_lasts_at_most_ninety_days(temuulen, guardian, consented):
    with pytest.raises(services.ValidationFailed) as refused:
        services.share_link_create(patient=temuulen, created_by=guardian, label="Dr Bat", expires_in_days=91)
    assert "expires_in_days" in refused.value.details
    assert not ShareLink.objects.exists()


def test_a_document_of_another_patient_cannot_be_added(temuulen, guardian, consented, aigerim, haikou, media):
    hers = issued_pdf(aigerim, haikou)
    with pytest.raises(services.ValidationFailed):
        services.share_link_create(patient=temuulen, created_by=guardian, label="Dr Bat",
                                   document_ids=[hers.public_id])
    assert not ShareLink.objects.exists()


# --- What the mother sees -----------------------------------------------------------------------------------------


def test_the_mother_sees_the_url_the_qr_code_and_the_shlink_payload(link, guardian):
    client = signed_in(guardian)
    page = client.get(reverse("sharing:detail", args=[link.public_id])).content.decode()
    url = selectors.share_link_url(link)
    assert url.split("#")[0] in page and reverse("sharing:qr", args=[link.public_id]) in page
    qr = client.get(reverse("sharing:qr", args=[link.public_id]))
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.lstrip().startswith((b"<?xml", b"<svg"))
    shlink = url.split("#", 1)[1]
    payload = _payload(shlink)
    assert payload["url"].endswith(reverse("shl:manifest", args=[link.token]))
    assert len(payload["key"]) == 43 and len(jwe.b64url_decode(payload["key"])) == 32
    assert payload["flag"] == "P" and payload["label"] == "Dr Bat, family clinic"
    assert payload["exp"] == int(link.expires_at.timestamp())


def test_a_link_without_a_passcode_has_no_p_flag(temuulen, guardian, consented):
    link = services.share_link_create(patient=temuulen, created_by=guardian, label="Dr Bat")
    assert "flag" not in _payload(selectors.share_link_shlink(link))


# --- The doctor's page --------------------------------------------------------------------------------------------


def test_the_doctor_opens_the_link_in_their_browsers_language_with_the_passcode(link, guardian, summary):
    doctor = Client(HTTP_ACCEPT_LANGUAGE="ru", HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="202.131.1.5")
    first = doctor.get(reverse("shl:page", args=[link.token]))
    assert first.status_code == 200 and 'lang="ru"' in first.content.decode()
    wrong = doctor.post(reverse("shl:page", args=[link.token]), {"recipient": "Dr Bat", "passcode": "0000"})
    assert wrong.status_code == 401
    assert doctor.post(reverse("shl:page", args=[link.token]),
                       {"recipient": "Dr Bat", "passcode": "4711"}).status_code == 302
    page = doctor.get(reverse("shl:page", args=[link.token]))
    text = page.content.decode()
    assert page.status_code == 200 and "Batbayar" in text
    assert reverse("shl:document", args=[link.token, summary.public_id]) in text
    pdf = doctor.get(reverse("shl:document", args=[link.token, summary.public_id]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content) == PDF
    channels = list(ShareLinkAccess.objects.filter(link=link).order_by("id").values_list("channel", "outcome"))
    assert channels == [("page", "wrong_passcode"), ("page", "granted"), ("page", "granted"),
                        ("document", "granted")]
    assert set(ShareLinkAccess.objects.values_list("recipient", flat=True)) == {"Dr Bat"}
    assert ShareLinkAccess.objects.filter(ip_address="202.131.1.5", user_agent="Firefox/140").count() == 4
    audited = AuditEvent.objects.filter(action="share_link.accessed", object_id=str(link.public_id))
    assert audited.count() == 4 and audited.filter(outcome="denied").count() == 1
    assert all(row.patient_public_id == link.patient.public_id for row in audited)
    mine = signed_in(guardian).get(reverse("sharing:detail", args=[link.public_id])).content.decode()
    assert "Dr Bat" in mine and "202.131.1.5" in mine


def test_a_document_cannot_be_downloaded_before_the_link_is_opened(link, summary):
    response = Client().get(reverse("shl:document", args=[link.token, summary.public_id]))
    assert response.status_code == 302 and response["Location"] == reverse("shl:page", args=[link.token])
    assert not ShareLinkAccess.objects.filter(channel="document").exists()


def test_an_unknown_link_is_not_found(db):
    assert Client().get(reverse("shl:page", args=["no-such-link"])).status_code == 404


def test_five_wrong_passcodes_lock_the_link(link):
    doctor = Client()
    remaining = [_manifest(doctor, link, recipient="Dr Bat", passcode="0000").json()["remainingAttempts"]
                 for _attempt in range(services.PASSCODE_ATTEMPTS)]
    assert remaining == [4, 3, 2, 1, 0]
    link.refresh_from_db()
    assert link.state() == "locked"
    # Even the right passcode no longer opens it.
    assert _manifest(doctor, link, recipient="Dr Bat", passcode="4711").status_code == 404
    page = doctor.get(reverse("shl:page", args=[link.token]))
    assert page.status_code == 410 and "wrong passcodes" in page.content.decode()
    assert AuditEvent.objects.filter(action="share_link.locked", object_id=str(link.public_id)).count() == 1


def test_an_expired_link_is_gone(link):
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    doctor = Client()
    assert doctor.get(reverse("shl:page", args=[link.token])).status_code == 410
    assert _manifest(doctor, link, recipient="Dr Bat", passcode="4711").status_code == 404
    assert ShareLinkAccess.objects.filter(outcome="refused", what="expired").exists()


def test_the_mother_revokes_the_link_and_it_is_gone_at_once(link, guardian):
    doctor = Client()
    assert _manifest(doctor, link, recipient="Dr Bat", passcode="4711").status_code == 200
    signed_in(guardian).post(reverse("sharing:revoke", args=[link.public_id]))
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == guardian
    assert _manifest(doctor, link, recipient="Dr Bat", passcode="4711").status_code == 404
    page = doctor.get(reverse("shl:page", args=[link.token]))
    assert page.status_code == 410 and "revoked" in page.content.decode()
    assert AuditEvent.objects.filter(action="share_link.revoked", object_id=str(link.public_id)).exists()


def test_withdrawing_the_cross_border_consent_stops_every_link(link, guardian, consented):
    consent_withdraw(consent=consented, withdrawn_by=guardian)
    assert services.share_link_state(link) == "consent_withdrawn"
    assert _manifest(Client(), link, recipient="Dr Bat", passcode="4711").status_code == 404
    assert Client().get(reverse("shl:page", args=[link.token])).status_code == 410


# --- SMART Health Links apps --------------------------------------------------------------------------------------


def test_an_shl_app_fetches_the_manifest_and_decrypts_the_files_with_the_key(link, summary):
    key = _payload(selectors.share_link_shlink(link))["key"]
    app = Client(HTTP_USER_AGENT="shl-viewer/1.0")
    manifest = _manifest(app, link, recipient="Ulaanbaatar Family Clinic", passcode="4711")
    assert manifest.status_code == 200
    files = manifest.json()["files"]
    assert [f["contentType"] for f in files] == ["application/fhir+json;fhirVersion=4.0.1"] * 2
    resources = []
    for entry in files:
        response = app.get(entry["location"])
        assert response["Content-Type"] == "application/jose"
        header, plaintext = jwe.jwe_decrypt(key=key, token=response.content.decode())
        assert header == {"alg": "dir", "enc": "A256GCM", "cty": "application/fhir+json;fhirVersion=4.0.1"}
        resources.append(json.loads(plaintext))
    ips, reference = resources
    assert ips["resourceType"] == "Bundle" and ips["type"] == "document"
    assert ips["entry"][0]["resource"]["resourceType"] == "Composition"
    assert reference["resourceType"] == "DocumentReference"
    assert jwe.b64url_decode(reference["content"][0]["attachment"]["data"].replace("+", "-").replace("/", "_")) == PDF
    logged = list(ShareLinkAccess.objects.filter(link=link).order_by("id").values_list("channel", "what"))
    assert logged == [("manifest", "manifest"), ("file", "ips"), ("file", str(summary.public_id))]


def test_small_files_are_embedded_when_the_app_asks(link):
    manifest = _manifest(Client(), link, recipient="Dr Bat", passcode="4711", embeddedLengthMax=10_000_000)
    assert all("embedded" in entry and "location" not in entry for entry in manifest.json()["files"])


def test_a_manifest_request_without_a_recipient_is_refused(link):
    assert _manifest(Client(), link, passcode="4711").status_code == 400
    assert not ShareLinkAccess.objects.exists()


def test_a_wrong_passcode_to_the_manifest_says_how_many_attempts_remain(link):
    response = _manifest(Client(), link, recipient="Dr Bat", passcode="1234")
    assert response.status_code == 401 and response.json()["remainingAttempts"] == 4


def test_a_tampered_file_location_is_not_found(link):
    location = _manifest(Client(), link, recipient="Dr Bat", passcode="4711").json()["files"][0]["location"]
    assert Client().get(location[:-3] + "abc").status_code == 404


def test_a_file_location_stops_working_when_the_link_is_revoked(link, guardian):
    location = _manifest(Client(), link, recipient="Dr Bat", passcode="4711").json()["files"][0]["location"]
    services.share_link_revoke(link=link, revoked_by=guardian)
    assert Client().get(location).status_code == 404


# --- Nobody else -----------------------------------------------------------------------------------------------------


def test_another_patient_can_neither_see_nor_revoke_the_link(link, other_patient):
    client = signed_in(other_patient)
    for name in ("sharing:detail", "sharing:qr"):
        assert client.get(reverse(name, args=[link.public_id])).status_code == 404
    assert client.post(reverse("sharing:revoke", args=[link.public_id])).status_code == 404
    assert client.get(f"/api/v1/share-links/{link.public_id}").status_code == 404
    assert client.post(f"/api/v1/share-links/{link.public_id}/revoke").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None
    assert AuditEvent.objects.filter(action="access.denied", object_type="share_link",
                                     object_id=str(link.public_id)).exists()


def test_staff_of_the_hospital_cannot_manage_the_familys_links(link, coordinator):
    assert signed_in(coordinator).get(reverse("sharing:detail", args=[link.public_id])).status_code == 404


# --- The API --------------------------------------------------------------------------------------------------------


def test_the_mother_creates_lists_and_revokes_a_link_through_the_api(temuulen, guardian, consented, summary):
    client = signed_in(guardian)
    created = client.post("/api/v1/share-links", data=json.dumps(
        {"patient_id": str(temuulen.public_id), "label": "Dr Bat", "expires_in_days": 7,
         "document_ids": [str(summary.public_id)]}), content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["state"] == "active" and body["shlink"].startswith("shlink:/") and not body["has_passcode"]
    listed = client.get(f"/api/v1/share-links?patient_id={temuulen.public_id}").json()
    assert [row["id"] for row in listed] == [body["id"]]
    _manifest(Client(), ShareLink.objects.get(), recipient="Dr Bat")
    accesses = client.get(f"/api/v1/share-links/{body['id']}/accesses").json()
    assert [(a["channel"], a["recipient"], a["outcome"]) for a in accesses] == [("manifest", "Dr Bat", "granted")]
    revoked = client.post(f"/api/v1/share-links/{body['id']}/revoke").json()
    assert revoked["state"] == "revoked" and revoked["url"] is None
    again = client.post(f"/api/v1/share-links/{body['id']}/revoke")
    assert again.status_code == 409 and again.json()["code"] == "share_link_already_revoked"
