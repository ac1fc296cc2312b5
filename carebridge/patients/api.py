"""API of the first-visit record: MRZ reading, registration, the record, documents, insurance, consents, the desk."""

import datetime as dt
from typing import Literal
from uuid import UUID

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from carebridge.accounts.models import Organisation, OrganisationKind
from carebridge.audit.models import ConsentKind
from carebridge.audit.selectors import consents_of
from carebridge.audit.services import audit_record, audit_record_reads, consent_give, consent_withdraw
from carebridge.core.api_support import SessionAuth
from carebridge.core.errors import NotFound, ValidationFailed
from carebridge.core.schemas import ErrorOut
from carebridge.patients import registration
from carebridge.patients.access import (
    desk_hospitals,
    duplicate_get_for_user,
    patient_get_for_user,
)
from carebridge.patients.models import Guardianship, Patient, PatientDocument
from carebridge.patients.mrz import MrzError
from carebridge.patients.selectors import patient_search, portal_patients, registration_queue
from carebridge.patients.services import (
    duplicate_dismiss,
    insurance_policy_add,
    patient_document_upload,
    patient_merge,
    patient_register,
    patient_update,
)

router = Router(tags=["patients"], auth=SessionAuth())


class MrzIn(Schema):
    text: str = Field(max_length=400, description="The MRZ lines as pasted; whitespace and case do not matter.")


class MrzOut(Schema):
    format: str
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    nationality_alpha2: str | None
    date_of_birth: dt.date
    sex: str
    expiry_date: dt.date
    expiry_problem: str | None = Field(description="expired, expires_before_visit, or null")


class PatientDetailsIn(Schema):
    family_name: str = Field(max_length=100)
    given_names: str = Field("", max_length=150)
    native_name: str = Field("", max_length=200)
    preferred_name: str = Field("", max_length=100)
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    nationality: str = Field("", max_length=2)
    preferred_language: str = Field("en", max_length=35)
    interpreter_needed: bool = False
    home_time_zone: str = Field("Asia/Shanghai", max_length=64)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    address_country: str = Field("", max_length=2)
    address_lines: str = Field("", max_length=500)
    address_city: str = Field("", max_length=100)
    emergency_contact_name: str = Field("", max_length=200)
    emergency_contact_relationship: str = Field("", max_length=50)
    emergency_contact_phone: str = Field("", max_length=30)
    blood_group: Literal["", "A", "B", "AB", "O"] = ""
    rh_factor: Literal["", "positive", "negative"] = ""


class RegistrationIn(Schema):
    mrz: str = Field(max_length=400)
    hospital_id: UUID
    acting_as: Literal["self", "guardian", "staff"]
    relationship: Literal["", "mother", "father", "legal_guardian", "spouse", "other"] = ""
    details: PatientDetailsIn
    consents: list[ConsentKind] = Field(description="personal_data and sensitive_health_data are required.")
    messaging: dict[Literal["whatsapp", "wechat", "telegram", "line", "kakaotalk"], str] = {}


class PatientChangesIn(Schema):
    native_name: str | None = Field(None, max_length=200)
    preferred_name: str | None = Field(None, max_length=100)
    preferred_language: str | None = Field(None, max_length=35)
    interpreter_needed: bool | None = None
    home_time_zone: str | None = Field(None, max_length=64)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    address_country: str | None = Field(None, max_length=2)
    address_lines: str | None = Field(None, max_length=500)
    address_city: str | None = Field(None, max_length=100)
    emergency_contact_name: str | None = Field(None, max_length=200)
    emergency_contact_relationship: str | None = Field(None, max_length=50)
    emergency_contact_phone: str | None = Field(None, max_length=30)
    blood_group: Literal["", "A", "B", "AB", "O"] | None = None
    rh_factor: Literal["", "positive", "negative"] | None = None


class RecordNumberOut(Schema):
    hospital_id: UUID
    hospital_name: str
    number: str


class PatientOut(Schema):
    id: UUID
    family_name: str
    given_names: str
    native_name: str
    preferred_name: str
    sex: str
    date_of_birth: dt.date
    nationality: str
    preferred_language: str
    interpreter_needed: bool
    home_time_zone: str
    phone: str
    email: str
    address_country: str
    address_city: str
    emergency_contact_name: str
    emergency_contact_phone: str
    blood_group: str
    rh_factor: str
    record_numbers: list[RecordNumberOut]
    missing_fields: list[str]
    is_minor: bool


class RegisteredOut(PatientOut):
    created: bool


class DocumentOut(Schema):
    id: UUID
    kind: str
    language: str
    title: str
    content_type: str
    size: int
    sha256: str
    url: str
    created_at: dt.datetime


class PolicyIn(Schema):
    payer_id: UUID | None = None
    payer_name: str = Field("", max_length=200)
    member_id: str = Field(max_length=60)
    policy_number: str = Field("", max_length=60)
    plan_name: str = Field("", max_length=120)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    direct_billing_requested: bool = True


class PolicyOut(Schema):
    id: UUID
    insurer: str
    payer_id: UUID | None
    member_id: str
    policy_number: str
    plan_name: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    direct_billing_requested: bool


class PatientConsentOut(Schema):
    id: UUID
    kind: str
    text_version: str
    text_language: str
    given_at: dt.datetime
    given_as: str
    withdrawn_at: dt.datetime | None


class ConsentIn(Schema):
    kind: ConsentKind


class MergeIn(Schema):
    keep_id: UUID


class QueueItemOut(Schema):
    id: UUID
    name: str
    date_of_birth: dt.date


class DuplicateOut(Schema):
    id: UUID
    patient: QueueItemOut
    other: QueueItemOut
    reason: str


class ExpiringOut(Schema):
    patient: QueueItemOut
    expiry_date: dt.date | None


class QueueOut(Schema):
    new: list[QueueItemOut]
    incomplete: list[QueueItemOut]
    duplicates: list[DuplicateOut]
    expiring: list[ExpiringOut]


def _mrz_out(data, visit=None):
    return {**{key: getattr(data, key) for key in (
        "format", "document_code", "issuing_state", "surname", "given_names", "document_number", "nationality",
        "date_of_birth", "sex", "expiry_date")}, "nationality_alpha2": data.nationality_alpha2,
        "expiry_problem": registration.expiry_warning(data, visit)}


def _mrz_error(exc):
    return ValidationFailed(exc.message, code=exc.code, details={exc.field: [str(exc.message)]})


def _patient_out(patient):
    fields = {key: getattr(patient, key) for key in PatientOut.model_fields if hasattr(patient, key)}
    fields["id"] = patient.public_id
    fields["record_numbers"] = [{"hospital_id": m.hospital.public_id, "hospital_name": m.hospital.name,
                                 "number": m.number} for m in patient.record_numbers.all()]
    return fields


def _item(patient):
    return {"id": patient.public_id, "name": patient.display_name, "date_of_birth": patient.date_of_birth}


def _get(request, patient_id, *, manage=False, purpose="api"):
    return patient_get_for_user(user=request.auth, public_id=patient_id, request=request, manage=manage,
                                purpose=purpose)


@router.post("/mrz/parse", response={200: MrzOut, 400: ErrorOut, 401: ErrorOut}, summary="Read a pasted MRZ")
def mrz_parse_text(request, payload: MrzIn, visit_date: dt.date | None = None):
    """Check an MRZ's check digits and field types; a failure names the field (details) and the reason (code)."""
    try:
        return _mrz_out(registration.mrz_read(text=payload.text)[1], visit_date)
    except MrzError as exc:
        raise _mrz_error(exc) from exc


@router.post("/mrz/read-image", response={200: MrzOut, 400: ErrorOut, 401: ErrorOut},
             summary="Read the MRZ from a photo")
def mrz_read_photo(request, photo: File[UploadedFile], visit_date: Form[dt.date | None] = None):
    """Read the MRZ from a photo of a passport's data page (OCR); the user confirms the fields before saving."""
    try:
        return _mrz_out(registration.mrz_read(photo=photo)[1], visit_date)
    except MrzError as exc:
        raise _mrz_error(exc) from exc


@router.get("/patients", response={200: list[PatientOut], 401: ErrorOut}, summary="Find or list patients")
@paginate(PageNumberPagination, page_size=50)
def patients_list(request, q: str = ""):
    """At the desk, search the hospital's patients; in the portal, list one's own and one's wards' records."""
    hospitals = desk_hospitals(request.auth)
    with transaction.atomic():
        if hospitals:
            found = patient_search(hospital=hospitals[0], query=q) if q else Patient.objects.none()
            found = list(found.prefetch_related("record_numbers__hospital"))
            audit_record(action="patient.searched", actor=request.auth, request=request, organisation=hospitals[0],
                         object_type="patient_search", details={"results": len(found)})
        else:
            found = list(portal_patients(request.auth).prefetch_related("record_numbers__hospital"))
        audit_record_reads(actor=request.auth, request=request, patients=found, purpose="list")
    return [_patient_out(p) for p in found]


@router.post("/patients", response={201: RegisteredOut, 200: RegisteredOut, 400: ErrorOut, 401: ErrorOut,
                                    404: ErrorOut, 409: ErrorOut}, summary="Register a patient from the MRZ")
def patients_register(request, payload: RegistrationIn):
    """Register (or link, when the passport is already known) a patient at a hospital."""
    try:
        data = registration.mrz_read(text=payload.mrz)[1]
    except MrzError as exc:
        raise _mrz_error(exc) from exc
    hospital = get_object_or_404(Organisation, public_id=payload.hospital_id, kind=OrganisationKind.HOSPITAL)
    if payload.acting_as == "staff" and hospital not in desk_hospitals(request.auth):
        raise NotFound()
    details = payload.details.dict()
    details["date_of_birth"] = data.date_of_birth
    patient, created = patient_register(
        registered_by=request.auth, hospital=hospital, details=details,
        document=registration.document_from_mrz(data), acting_as=payload.acting_as,
        relationship=payload.relationship, consents=[c.value for c in payload.consents],
        consent_language=get_language() or "en", messaging=payload.messaging, request=request)
    return Status(201 if created else 200, {**_patient_out(patient), "created": created})


@router.get("/patients/{patient_id}", response={200: PatientOut, 401: ErrorOut, 404: ErrorOut},
            summary="A patient's record")
def patients_read(request, patient_id: UUID):
    """Return a record the caller may see (own, a ward's, or their hospital's patient)."""
    return _patient_out(_get(request, patient_id))


@router.patch("/patients/{patient_id}", response={200: PatientOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
              summary="Change a patient's record")
def patients_update(request, patient_id: UUID, payload: PatientChangesIn):
    """Change contact and preference fields; identity from the passport is not changed here."""
    patient = _get(request, patient_id, manage=True)
    changes = {key: value for key, value in payload.dict().items() if value is not None}
    return _patient_out(patient_update(patient=patient, changes=changes, actor=request.auth, request=request))


def _document_out(document):
    return {"id": document.public_id, "kind": document.kind, "language": document.language, "title": document.title,
            "content_type": document.content_type, "size": document.size, "sha256": document.sha256,
            "url": f"/documents/{document.public_id}/", "created_at": document.created_at}


@router.get("/patients/{patient_id}/documents", response={200: list[DocumentOut], 401: ErrorOut, 404: ErrorOut},
            summary="A patient's uploaded documents")
def documents_list(request, patient_id: UUID):
    """List prior records and card photos; download each from its url (access-checked and audited)."""
    return [_document_out(d) for d in _get(request, patient_id).uploaded_documents.all()]


@router.post("/patients/{patient_id}/documents", response={201: DocumentOut, 400: ErrorOut, 401: ErrorOut,
                                                           404: ErrorOut}, summary="Upload a prior record")
def documents_upload(request, patient_id: UUID, file: File[UploadedFile],
                     kind: Form[Literal[tuple(PatientDocument.Kind.values)]],  # type: ignore[valid-type]
                     language: Form[str] = "", title: Form[str] = ""):
    """Upload a PDF or image (type checked from its content, 10 MB at most)."""
    patient = _get(request, patient_id, manage=True)
    document = patient_document_upload(patient=patient, actor=request.auth, upload=file, kind=kind,
                                       language=language[:35], title=title, request=request)
    return Status(201, _document_out(document))


def _policy_out(policy):
    return {"id": policy.public_id, "insurer": policy.insurer_label,
            "payer_id": policy.payer.public_id if policy.payer_id else None, "member_id": policy.member_id,
            "policy_number": policy.policy_number, "plan_name": policy.plan_name, "valid_from": policy.valid_from,
            "valid_to": policy.valid_to, "direct_billing_requested": policy.direct_billing_requested}


@router.get("/patients/{patient_id}/insurance-policies", response={200: list[PolicyOut], 401: ErrorOut,
                                                                   404: ErrorOut}, summary="Insurance policies")
def policies_list(request, patient_id: UUID):
    """List the patient's insurance policies."""
    return [_policy_out(p) for p in _get(request, patient_id).insurance_policies.select_related("payer")]


@router.post("/patients/{patient_id}/insurance-policies", response={201: PolicyOut, 400: ErrorOut, 401: ErrorOut,
                                                                    404: ErrorOut}, summary="Add a policy")
def policies_add(request, patient_id: UUID, payload: PolicyIn):
    """Add a policy: an insurer from the directory (payer_id) or one named in payer_name."""
    patient = _get(request, patient_id, manage=True)
    payer = None
    if payload.payer_id:
        payer = Organisation.objects.filter(public_id=payload.payer_id, kind=OrganisationKind.INSURER).first()
        if payer is None:
            raise ValidationFailed(details={"payer_id": [_("Choose an insurer from the list.")]})
    policy = insurance_policy_add(
        patient=patient, actor=request.auth, payer=payer, payer_name=payload.payer_name,
        member_id=payload.member_id, policy_number=payload.policy_number, plan_name=payload.plan_name,
        valid_from=payload.valid_from, valid_to=payload.valid_to,
        direct_billing_requested=payload.direct_billing_requested, request=request)
    return Status(201, _policy_out(policy))


def _consent_out(c):
    return {"id": c.public_id, "kind": c.kind, "text_version": c.text_version, "text_language": c.text_language,
            "given_at": c.given_at, "given_as": c.given_as, "withdrawn_at": c.withdrawn_at}


@router.get("/patients/{patient_id}/consents", response={200: list[PatientConsentOut], 401: ErrorOut,
                                                         404: ErrorOut}, summary="A patient's consents")
def patient_consents_list(request, patient_id: UUID):
    """List the patient's consents, active and withdrawn."""
    patient = _get(request, patient_id)
    return [_consent_out(c) for c in consents_of(subject_public_ids=[patient.public_id])]


def _relation(user, patient):
    if patient.account_id == user.pk:
        return "self"
    if Guardianship.objects.filter(guardian=user, patient=patient, ended_at__isnull=True, can_manage=True).exists():
        return "guardian"
    return "staff"


@router.post("/patients/{patient_id}/consents", response={201: PatientConsentOut, 400: ErrorOut, 401: ErrorOut,
                                                          404: ErrorOut, 409: ErrorOut}, summary="Give a consent")
def patient_consents_give(request, patient_id: UUID, payload: ConsentIn):
    """Give a consent for the patient (as the patient, a guardian, or staff recording it at the desk)."""
    patient = _get(request, patient_id, manage=True)
    consent = consent_give(subject_public_id=patient.public_id, kind=payload.kind, given_by=request.auth,
                           given_as=_relation(request.auth, patient), language=get_language() or "en",
                           request=request)
    return Status(201, _consent_out(consent))


@router.post("/patients/{patient_id}/consents/{consent_id}/withdraw",
             response={200: PatientConsentOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Withdraw a consent")
def patient_consents_withdraw(request, patient_id: UUID, consent_id: UUID):
    """Withdraw one of the patient's consents."""
    patient = _get(request, patient_id, manage=True)
    consent = consents_of(subject_public_ids=[patient.public_id]).filter(public_id=consent_id).first()
    if consent is None:
        raise Http404
    return _consent_out(consent_withdraw(consent=consent, withdrawn_by=request.auth, request=request))


@router.get("/desk/queue", response={200: QueueOut, 401: ErrorOut, 404: ErrorOut}, summary="Registration queue")
def desk_queue(request):
    """Return the desk's queue: new registrations, incomplete records, likely duplicates, expiring passports."""
    hospitals = desk_hospitals(request.auth)
    if not hospitals:
        raise NotFound()
    queue = registration_queue(hospital=hospitals[0])
    return {
        "new": [_item(p) for p in queue["new"]],
        "incomplete": [_item(p) for p in queue["incomplete"]],
        "duplicates": [{"id": c.public_id, "patient": _item(c.patient), "other": _item(c.other), "reason": c.reason}
                       for c in queue["duplicates"]],
        "expiring": [{"patient": _item(d.patient), "expiry_date": d.expiry_date} for d in queue["expiring"]],
    }


@router.post("/duplicates/{duplicate_id}/merge", response={200: PatientOut, 400: ErrorOut, 401: ErrorOut,
                                                            404: ErrorOut, 409: ErrorOut}, summary="Merge")
def duplicates_merge(request, duplicate_id: UUID, payload: MergeIn):
    """Merge a likely duplicate into the record to keep; everything moves and is audited."""
    candidate = duplicate_get_for_user(user=request.auth, public_id=duplicate_id, request=request)
    pair = {candidate.patient.public_id: candidate.patient, candidate.other.public_id: candidate.other}
    if payload.keep_id not in pair:
        raise ValidationFailed(details={"keep_id": [_("Choose the record to keep.")]})
    keep = pair.pop(payload.keep_id)
    with transaction.atomic():
        return _patient_out(patient_merge(keep=keep, merge=pair.popitem()[1], actor=request.auth, request=request))


@router.post("/duplicates/{duplicate_id}/dismiss", response={204: None, 401: ErrorOut, 404: ErrorOut},
             summary="Not the same person")
def duplicates_dismiss(request, duplicate_id: UUID):
    """Record that two similar records are different people."""
    candidate = duplicate_get_for_user(user=request.auth, public_id=duplicate_id, request=request)
    duplicate_dismiss(candidate=candidate, actor=request.auth, request=request)
    return Status(204, None)
