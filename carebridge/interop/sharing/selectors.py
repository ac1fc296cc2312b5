"""Reads of share links: a patient's links and their accesses, the shlink payload, and the content a link gives."""

import base64
import json

from django.conf import settings
from django.urls import reverse

from carebridge.core import crypto
from carebridge.documents.models import Document
from carebridge.interop.sharing import jwe

FHIR_JSON = "application/fhir+json;fhirVersion=4.0.1"
IPS_FILE = "ips"


def shareable_documents(patient):
    """Return the patient's clinical PDF documents that are ready, newest first."""
    from carebridge.clinical.documents import clinical_documents_of_patient

    return clinical_documents_of_patient(patient=patient).filter(status=Document.Status.READY)


def share_links_of(patient):
    """Return a patient's share links, newest first, with how often each was used."""
    return patient.share_links.select_related("created_by").order_by("-created_at")


def share_link_accesses(link):
    """Return every use of a link, newest first."""
    return link.accesses.all()


def share_link_documents(link):
    """Return the documents a link gives, in the order chosen, that are still the patient's and ready."""
    rows = {str(doc.public_id): doc for doc in shareable_documents(link.patient).filter(public_id__in=link.document_ids)}
    return [rows[value] for value in link.document_ids if value in rows]


def share_link_key(link):
    """Return the link's SHL key (base64url)."""
    return crypto.decrypt(link.key_encrypted)


def share_link_manifest_url(link):
    return settings.SITE_URL + reverse("shl:manifest", args=[link.token])


def share_link_payload(link):
    """Return the SHL payload: manifest url, key, expiry (seconds since 1970), flag P with a passcode, label."""
    payload = {"url": share_link_manifest_url(link), "key": share_link_key(link),
               "exp": int(link.expires_at.timestamp()), "label": link.label[:80], "v": 1}
    if link.has_passcode:
        payload["flag"] = "P"
    return payload


def share_link_shlink(link):
    """Return the `shlink:/…` form of the payload (base64url of its JSON)."""
    encoded = base64.urlsafe_b64encode(json.dumps(share_link_payload(link), separators=(",", ":")).encode())
    return "shlink:/" + encoded.rstrip(b"=").decode("ascii")


def share_link_url(link):
    """Return the URL to give the doctor: the readable page, with the shlink in the fragment for SHL-aware apps.

    The fragment never reaches a server, so the key stays with whoever holds the link.
    """
    return f"{settings.SITE_URL}{reverse('shl:page', args=[link.token])}#{share_link_shlink(link)}"


def share_link_files(link):
    """Return the ids of the files a link gives: the IPS, then each document."""
    return [IPS_FILE, *(str(doc.public_id) for doc in share_link_documents(link))]


def share_link_ips(link, *, language, request=None):
    """Build the patient's IPS for a link's reader (audited by the IPS export)."""
    from carebridge.interop.ips.export import ips_bundle_build

    return ips_bundle_build(patient=link.patient, language=language or link.patient.preferred_language,
                            requested_by=None, request=request, purpose="share-link")


def document_reference(document):
    """Return a PDF document as a FHIR DocumentReference with the PDF inline, for SHL files."""
    with document.file.open("rb") as fh:
        data = fh.read()
    return {
        "resourceType": "DocumentReference",
        "id": str(document.public_id),
        "status": "current",
        "subject": {"reference": f"Patient/{document.patient_public_id}"},
        "date": document.issued_at.isoformat(),
        "custodian": {"reference": f"Organization/{document.issuer.public_id}", "display": document.issuer.name},
        "description": document.title,
        "content": [{"attachment": {"contentType": "application/pdf", "title": document.title,
                                    "language": document.second_language, "data": base64.b64encode(data).decode(),
                                    "creation": document.issued_at.isoformat()}}],
    }


def share_link_file(link, file_id, *, language, request=None):
    """Return the FHIR JSON (bytes) of one file of a link, or None when the link gives no such file."""
    if file_id == IPS_FILE:
        resource = share_link_ips(link, language=language, request=request)
    else:
        document = next((doc for doc in share_link_documents(link) if str(doc.public_id) == file_id), None)
        if document is None:
            return None
        resource = document_reference(document)
    return json.dumps(resource, ensure_ascii=False).encode()


def share_link_encrypted_file(link, file_id, *, language, request=None):
    """Return one file of a link as a JWE (dir, A256GCM) under the link's key, or None."""
    content = share_link_file(link, file_id, language=language, request=request)
    if content is None:
        return None
    return jwe.jwe_encrypt(key=share_link_key(link), plaintext=content, content_type=FHIR_JSON)
