"""API of referrals between hospitals: refer, list, read, accept, decline, cancel, the records consent, and the
attached records (the IPS as FHIR JSON) once the receiving hospital may read them."""

import datetime as dt
from uuid import UUID

from ninja import Field, Router, Schema, Status

from carebridge.accounts.models import Organisation, OrganisationKind
from carebridge.audit.services import audit_record_reads
from carebridge.core.api_support import SessionAuth
from carebridge.core.errors import NotFound
from carebridge.core.schemas import ErrorOut
from carebridge.interop.referrals import selectors, services
from carebridge.interop.referrals.access import (
    referral_get_for_decision,
    referral_get_for_patient,
    referral_get_for_sender,
    referral_get_for_user,
    referral_records_get,
    referrals_visible_to_user,
    referring_hospitals,
)
from carebridge.interop.referrals.models import Referral
from carebridge.patients.access import patient_get_for_user
from carebridge.patients.selectors import patients_at

router = Router(tags=["referrals"], auth=SessionAuth())

READ = {401: ErrorOut, 404: ErrorOut}
WRITE = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ReferralIn(Schema):
    patient_id: UUID
    to_hospital_id: UUID
    reason: str = Field(max_length=4000)
    reason_code: str = Field("", max_length=10, description="ICD-10 code of the diagnosis, optional")
    priority: Referral.Priority = Referral.Priority.ROUTINE
    document_ids: list[UUID] = Field(default_factory=list, description="Ready PDF documents of the patient")
    consent_attested: bool = Field(False, description="The patient or guardian signed the consent to send the "
                                                      "records; otherwise they are asked in the portal")


class AcceptIn(Schema):
    register_patient: bool = Field(True, description="Give the patient a record number here (only with the "
                                                     "records consent)")


class DeclineIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class HospitalOut(Schema):
    id: UUID
    name: str


class ReferralOut(Schema):
    id: UUID
    patient_id: UUID
    patient_name: str
    from_hospital: HospitalOut
    to_hospital: HospitalOut
    reason: str
    reason_code: str
    priority: str
    status: str
    decline_reason: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    records_consent: bool = Field(description="The patient consented to send the records to the receiving hospital")
    records_released: bool = Field(description="The receiving hospital may open the records now")
    document_ids: list[UUID]
    as_: str | None = Field(None, alias="as", description="The caller's side: sender, receiver or patient")


def _hospital(organisation):
    return HospitalOut(id=organisation.public_id, name=organisation.name)


def _out(referral):
    return ReferralOut(
        id=referral.public_id, patient_id=referral.patient.public_id, patient_name=referral.patient.display_name,
        from_hospital=_hospital(referral.from_hospital), to_hospital=_hospital(referral.to_hospital),
        reason=referral.reason, reason_code=referral.reason_code, priority=referral.priority, status=referral.status,
        decline_reason=referral.decline_reason, created_at=referral.created_at, decided_at=referral.decided_at,
        records_consent=referral.has_records_consent, records_released=referral.records_released,
        document_ids=referral.document_ids, **{"as": getattr(referral, "relation", None)})


@router.get("/referrals", response={200: list[ReferralOut], **READ}, summary="Referrals")
def referrals_list(request, direction: str = "all"):
    """List referrals: direction=incoming or outgoing (the caller's hospitals), mine (records held), or all."""
    rows = referrals_visible_to_user(request.auth)
    hospitals = referring_hospitals(request.auth)
    if direction == "incoming":
        rows = rows.filter(to_hospital__in=hospitals)
    elif direction == "outgoing":
        rows = rows.filter(from_hospital__in=hospitals)
    elif direction == "mine":
        from carebridge.patients.selectors import portal_patients

        rows = rows.filter(patient__in=portal_patients(request.auth))
    referrals = list(rows.order_by("-created_at")[:500])
    audit_record_reads(actor=request.auth, request=request, patients=[r.patient for r in referrals],
                       purpose="referral")
    return [_out(r) for r in referrals]


@router.post("/referrals", response={201: ReferralOut, **WRITE}, summary="Refer a patient to another hospital")
def referrals_create(request, payload: ReferralIn):
    """Refer a patient of the caller's hospital; the records travel only with the patient's consent."""
    patient = patient_get_for_user(user=request.auth, public_id=payload.patient_id, request=request,
                                   purpose="referral")
    hospital = next((h for h in referring_hospitals(request.auth) if patients_at(h).filter(pk=patient.pk).exists()),
                    None)
    to_hospital = Organisation.objects.filter(public_id=payload.to_hospital_id, kind=OrganisationKind.HOSPITAL).first()
    if hospital is None or to_hospital is None:
        raise NotFound()
    referral = services.referral_create(
        patient=patient, from_hospital=hospital, to_hospital=to_hospital, requested_by=request.auth,
        reason=payload.reason, reason_code=payload.reason_code, priority=payload.priority,
        document_ids=payload.document_ids, consent_attested=payload.consent_attested, request=request)
    referral.relation = "sender"
    return Status(201, _out(referral))


@router.get("/referrals/{referral_id}", response={200: ReferralOut, **READ}, summary="A referral")
def referrals_read(request, referral_id: UUID):
    """Return a referral to either hospital's staff or the patient's people."""
    return _out(referral_get_for_user(user=request.auth, public_id=referral_id, request=request))


@router.post("/referrals/{referral_id}/accept", response={200: ReferralOut, **WRITE}, summary="Accept a referral")
def referrals_accept(request, referral_id: UUID, payload: AcceptIn):
    """Accept (coordinators of the receiving hospital); 409 `referral_not_open` once decided or cancelled."""
    referral = referral_get_for_decision(user=request.auth, public_id=referral_id, request=request)
    return _out(services.referral_accept(referral=referral, decided_by=request.auth,
                                         register_patient=payload.register_patient, request=request))


@router.post("/referrals/{referral_id}/decline", response={200: ReferralOut, **WRITE}, summary="Decline a referral")
def referrals_decline(request, referral_id: UUID, payload: DeclineIn):
    """Decline with a reason (coordinators of the receiving hospital)."""
    referral = referral_get_for_decision(user=request.auth, public_id=referral_id, request=request)
    return _out(services.referral_decline(referral=referral, decided_by=request.auth, reason=payload.reason,
                                          request=request))


@router.post("/referrals/{referral_id}/cancel", response={200: ReferralOut, **WRITE}, summary="Withdraw a referral")
def referrals_cancel(request, referral_id: UUID):
    """Withdraw a waiting referral (staff of the referring hospital)."""
    referral = referral_get_for_sender(user=request.auth, public_id=referral_id, request=request)
    return _out(services.referral_cancel(referral=referral, cancelled_by=request.auth, request=request))


@router.post("/referrals/{referral_id}/consent", response={200: ReferralOut, **WRITE},
             summary="Consent to send the records")
def referrals_consent_give(request, referral_id: UUID):
    """The patient or guardian agrees that the records go to the receiving hospital."""
    referral = referral_get_for_patient(user=request.auth, public_id=referral_id, request=request)
    relation = "self" if referral.patient.account_id == request.auth.pk else "guardian"
    return _out(services.referral_consent_give(referral=referral, given_by=request.auth, given_as=relation,
                                               language=request.LANGUAGE_CODE, request=request))


@router.post("/referrals/{referral_id}/consent/withdraw", response={200: ReferralOut, **WRITE},
             summary="Withdraw the consent to send the records")
def referrals_consent_withdraw(request, referral_id: UUID):
    """The patient or guardian withdraws it: the receiving hospital can no longer open the records."""
    referral = referral_get_for_patient(user=request.auth, public_id=referral_id, request=request)
    return _out(services.referral_consent_withdraw(referral=referral, withdrawn_by=request.auth, request=request))


@router.get("/referrals/{referral_id}/summary", response={200: dict, **READ},
            summary="The attached International Patient Summary")
def referrals_summary(request, referral_id: UUID, language: str = ""):
    """Return the IPS document Bundle: for the receiving hospital only once accepted and with the patient's consent."""
    referral = referral_records_get(user=request.auth, public_id=referral_id, request=request)
    return selectors.referral_ips(referral, language=language or request.LANGUAGE_CODE, request=request)
