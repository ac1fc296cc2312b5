"""The DocumentReference resource: a prior record the patient or staff uploaded (patients app, PatientDocument).

Attachment hash: FHIR R4's `Attachment.hash` is the base64 SHA-1 of the data. The patients app stores the SHA-256
of each file when it is uploaded, and reading every file of a search page to compute a SHA-1 would cost a full
read per result, so this server leaves `hash` out and gives the stored SHA-256 instead, base64-encoded like
`hash`, in the extension urn:carebridge:fhir:extension:attachment-sha256 (valueBase64Binary).
"""

import base64

from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_clinical import PATIENT_PARAMS, patient_filter, patient_reference
from carebridge.interop.fhir_search import NOTHING, SearchParam, any_of, token
from carebridge.patients.models import PatientDocument

LOINC = "http://loinc.org"
DOCUMENT_KIND_SYSTEM = "urn:carebridge:patient-document-kind"
DOCUMENT_REFERENCE_STATUS = "http://hl7.org/fhir/document-reference-status"
SHA256_URL = "urn:carebridge:fhir:extension:attachment-sha256"
# LOINC document types of the kinds that have one; the others carry the local kind only.
LOINC_TYPES = {
    PatientDocument.Kind.DISCHARGE_SUMMARY: ("18842-5", "Discharge summary"),
    PatientDocument.Kind.IMAGING: ("18748-4", "Diagnostic imaging study"),
    PatientDocument.Kind.LAB: ("11502-2", "Laboratory report"),
    PatientDocument.Kind.PRESCRIPTION: ("57833-6", "Prescription for medication"),
}

SEARCH_PARAMS = {
    **PATIENT_PARAMS,
    "type": SearchParam("token", "The kind of document: urn:carebridge:patient-document-kind|<discharge_summary, "
                                 "imaging, lab, prescription, insurance_card, other>, or its LOINC document type "
                                 "(http://loinc.org|18842-5, 18748-4, 11502-2, 57833-6)."),
    "status": SearchParam("token", "current (every uploaded document is current; none is superseded)."),
}


def _type(document):
    with translation.override("en"):
        english = str(document.get_kind_display())
    codings = [{"system": DOCUMENT_KIND_SYSTEM, "code": document.kind, "display": english}]
    if document.kind in LOINC_TYPES:
        code, display = LOINC_TYPES[document.kind]
        codings.insert(0, {"system": LOINC, "code": code, "display": display})
    return {"coding": codings, "text": str(document.get_kind_display())}


def _attachment(document, *, download_url):
    attachment = {
        "extension": [{"url": SHA256_URL,
                       "valueBase64Binary": base64.b64encode(bytes.fromhex(document.sha256)).decode()}],
        "contentType": document.content_type,
        "url": download_url,
        "size": document.size,
        "title": document.title or document.original_name,
        "creation": document.created_at.isoformat(),
    }
    if document.language:
        attachment["language"] = document.language
    return attachment


def document_download_url(request, document):
    """Return the absolute URL of the patients app's access-checked download of an uploaded document."""
    return request.build_absolute_uri(reverse("patients:document_download", args=[document.public_id]))


def document_reference_resource(document, *, download_url):
    """Map an uploaded document to a validated FHIR DocumentReference pointing at its access-checked download."""
    data = {
        "resourceType": "DocumentReference",
        "id": str(document.public_id),
        "meta": meta(document.updated_at),
        "status": "current",
        "type": _type(document),
        "subject": patient_reference(document.patient),
        "date": document.created_at.isoformat(),
        "content": [{"attachment": _attachment(document, download_url=download_url)}],
    }
    if document.title:
        data["description"] = document.title
    return validated(data)


def document_reference_filter(search):
    """Return the filter of a DocumentReference search."""
    matches = patient_filter(search)
    for alternatives in search.each("type"):
        matches &= any_of(_type_filter(*token(value)) for value in alternatives)
    for alternatives in search.each("status"):
        matches &= any_of(Q() if token(value) in ((None, "current"), (DOCUMENT_REFERENCE_STATUS, "current"))
                          else NOTHING for value in alternatives)
    return matches


def _type_filter(system, code):
    kinds = set()
    if system in (None, DOCUMENT_KIND_SYSTEM) and code in PatientDocument.Kind.values:
        kinds.add(code)
    if system in (None, LOINC):
        kinds |= {kind for kind, (loinc, _display) in LOINC_TYPES.items() if loinc == code}
    return Q(kind__in=kinds) if kinds else NOTHING
