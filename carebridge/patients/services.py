"""Writes of the first-visit record: register, update, link, number, upload, merge."""

import datetime as dt
import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.accounts.models import OrganisationKind
from carebridge.audit.models import Consent, ConsentKind
from carebridge.audit.services import audit_record, consent_give
from carebridge.core.errors import Conflict, ValidationFailed
from carebridge.patients.models import (
    DuplicateCandidate,
    Guardianship,
    IdentityDocument,
    InsurancePolicy,
    MedicalRecordNumber,
    MessagingHandle,
    Patient,
    PatientDocument,
    RecordNumberSequence,
    document_number_hash,
    fold,
)
from carebridge.patients.validation import patient_fields_check

PATIENT_FIELDS = (
    "family_name", "given_names", "native_name", "preferred_name", "sex", "date_of_birth", "nationality",
    "preferred_language", "interpreter_needed", "home_time_zone", "phone", "email", "address_country",
    "address_lines", "address_city", "address_region", "address_postal_code", "emergency_contact_name",
    "emergency_contact_relationship", "emergency_contact_phone", "blood_group", "rh_factor",
)
REGISTRATION_CONSENTS = (ConsentKind.PERSONAL_DATA, ConsentKind.SENSITIVE_HEALTH_DATA)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Content types recognised from the file's first bytes, never from its name or the browser's claim.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


class DocumentAlreadyRegistered(Conflict):
    code = "document_already_registered"
    default_message = _(
        "This passport is already registered. The international department can link it to your account."
    )


def record_number_assign(*, patient, hospital):
    """Give the patient the hospital's next record number, unless they already have one there."""
    existing = MedicalRecordNumber.objects.filter(patient=patient, hospital=hospital).first()
    if existing:
        return existing
    if hospital.kind != OrganisationKind.HOSPITAL:
        raise ValidationFailed(_("Record numbers are given by hospitals only."), code="not_a_hospital")
    with transaction.atomic():
        RecordNumberSequence.objects.get_or_create(hospital=hospital)
        sequence = RecordNumberSequence.objects.select_for_update().get(hospital=hospital)
        sequence.last_value += 1
        sequence.save(update_fields=["last_value"])
        prefix = "".join(ch for ch in hospital.slug.upper() if ch.isalpha())[:3] or "MRN"
        return MedicalRecordNumber.objects.create(
            patient=patient, hospital=hospital, number=f"{prefix}{sequence.last_value:07d}"
        )


def _document_find(issuing_state, number):
    return (
        IdentityDocument.objects.select_related("patient")
        .filter(issuing_state=issuing_state.upper(), number_hash=document_number_hash(number))
        .first()
    )


def _duplicates_flag(patient):
    """Queue records with the same birth date and the same name in any script as likely duplicates."""
    names = {fold(f"{patient.family_name} {patient.given_names}"), fold(patient.native_name)} - {""}
    others = Patient.objects.filter(date_of_birth=patient.date_of_birth, merged_into__isnull=True).exclude(pk=patient.pk)
    for other in others:
        other_names = {fold(f"{other.family_name} {other.given_names}"), fold(other.native_name)} - {""}
        if names & other_names:
            first, second = sorted([patient, other], key=lambda p: p.pk)
            DuplicateCandidate.objects.get_or_create(patient=first, other=second,
                                                     defaults={"reason": "same_name_and_birth_date"})


def patient_register(
    *,
    registered_by,
    hospital,
    details,
    document=None,
    acting_as="self",
    relationship="",
    consents=(),
    consent_language="en",
    messaging=None,
    request=None,
):
    """Register a patient at a hospital, from the portal (self or guardian) or the coordinators' desk.

    `document` is {"kind", "mrz_format", "issuing_state", "number", "expiry_date"}. A document already on the
    platform is the same person: staff link the existing record (adding a record number here); a portal user
    may link only a record they already hold or act for. Returns (patient, created).
    """
    details = {key: details[key] for key in PATIENT_FIELDS if key in details}
    errors = patient_fields_check(details)
    if acting_as not in ("self", "guardian", "staff"):
        errors.setdefault("acting_as", []).append(str(_("Choose who is registering.")))
    if acting_as == "guardian" and relationship not in Guardianship.Relationship.values:
        errors.setdefault("relationship", []).append(str(_("Choose your relationship to the patient.")))
    known = _document_find(document["issuing_state"], document["number"]) if document else None
    own_record = Patient.objects.filter(account=registered_by).first() if acting_as == "self" else None
    if own_record is not None and (known is None or known.patient_id != own_record.pk):
        errors.setdefault("acting_as", []).append(str(_("Your own record already exists; register a child instead.")))
    # At the desk the coordinator records the consents the patient gives there, in the same way.
    missing = [kind for kind in REGISTRATION_CONSENTS if kind not in consents]
    for kind in missing:
        errors.setdefault(f"consent_{kind}", []).append(str(_("This consent is needed to register.")))
    if errors:
        raise ValidationFailed(details=errors)

    with transaction.atomic():
        existing = _document_find(document["issuing_state"], document["number"]) if document else None
        if existing is not None:
            patient = existing.patient
            while patient.merged_into_id:
                patient = patient.merged_into
            if acting_as != "staff" and not _portal_user_holds(registered_by, patient):
                raise DocumentAlreadyRegistered()
            record_number_assign(patient=patient, hospital=hospital)
            audit_record(action="patient.linked", actor=registered_by, request=request, organisation=hospital,
                         object_type="patient", object_id=patient.public_id, patient_public_id=patient.public_id,
                         purpose="registration", details={"hospital": str(hospital.public_id)})
            return patient, False

        patient = Patient(registered_by=registered_by, **details)
        if acting_as == "self":
            patient.account = registered_by
        patient.save()
        if document:
            identity = IdentityDocument(patient=patient, kind=document.get("kind", IdentityDocument.Kind.PASSPORT),
                                        mrz_format=document.get("mrz_format", ""),
                                        issuing_state=document["issuing_state"].upper(),
                                        expiry_date=document.get("expiry_date"))
            identity.set_number(document["number"])
            try:
                with transaction.atomic():
                    identity.save()
            except IntegrityError as exc:  # registered at the same moment by someone else
                raise DocumentAlreadyRegistered() from exc
        if acting_as == "guardian":
            Guardianship.objects.create(guardian=registered_by, patient=patient, relationship=relationship)
        for app, handle in (messaging or {}).items():
            if handle:
                MessagingHandle.objects.create(patient=patient, app=app, handle=handle.strip()[:100])
        record_number_assign(patient=patient, hospital=hospital)
        for kind in consents:
            consent_give(subject_public_id=patient.public_id, kind=kind, given_by=registered_by,
                         given_as=acting_as, language=consent_language, request=request)
        _duplicates_flag(patient)
        audit_record(action="patient.created", actor=registered_by, request=request, organisation=hospital,
                     object_type="patient", object_id=patient.public_id, patient_public_id=patient.public_id,
                     purpose="registration", details={"acting_as": acting_as})
    return patient, True


def _portal_user_holds(user, patient):
    return patient.account_id == user.pk or Guardianship.objects.filter(
        guardian=user, patient=patient, ended_at__isnull=True).exists()


def patient_update(*, patient, changes, actor, request=None):
    """Change fields of a record; every change is audited with the names of the fields changed."""
    changes = {key: value for key, value in changes.items() if key in PATIENT_FIELDS}
    merged = {field: getattr(patient, field) for field in PATIENT_FIELDS} | changes
    errors = patient_fields_check(merged)
    if errors:
        raise ValidationFailed(details={k: v for k, v in errors.items()})
    changed = [field for field in changes if getattr(patient, field) != merged[field]]
    with transaction.atomic():
        for field in changed:
            setattr(patient, field, merged[field])
        patient.save()
        audit_record(action="patient.updated", actor=actor, request=request, object_type="patient",
                     object_id=patient.public_id, patient_public_id=patient.public_id, details={"fields": changed})
    return patient


def insurance_policy_add(*, patient, actor, member_id, payer=None, payer_name="", policy_number="", plan_name="",
                         valid_from=None, valid_to=None, direct_billing_requested=True, request=None):
    """Add an insurance policy from the directory's insurer or a named one."""
    errors = {}
    if payer is None and not payer_name.strip():
        errors["payer"] = [str(_("Choose the insurer, or type its name."))]
    if payer is not None and payer.kind != OrganisationKind.INSURER:
        errors["payer"] = [str(_("Choose an insurer from the list."))]
    if not member_id.strip():
        errors["member_id"] = [str(_("Enter the member number from the insurance card."))]
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = [str(_("The end of validity is before its start."))]
    if errors:
        raise ValidationFailed(details=errors)
    with transaction.atomic():
        policy = InsurancePolicy.objects.create(
            patient=patient, payer=payer, payer_name=payer_name.strip(), member_id=member_id.strip(),
            policy_number=policy_number.strip(), plan_name=plan_name.strip(), valid_from=valid_from,
            valid_to=valid_to, direct_billing_requested=direct_billing_requested,
        )
        audit_record(action="insurance_policy.created", actor=actor, request=request, object_type="insurance_policy",
                     object_id=policy.public_id, patient_public_id=patient.public_id)
    return policy


def sniff_content_type(head):
    """Name a file's type from its first bytes, or None when it is not a kind we accept."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def patient_document_upload(*, patient, actor, upload, kind, language="", title="", policy=None, request=None):
    """Store an uploaded file after checking its real type and size; only access-checked views serve it."""
    if kind not in PatientDocument.Kind.values:
        raise ValidationFailed(details={"kind": [str(_("Choose what kind of document this is."))]})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(_("The file is larger than 10 MB."), code="file_too_large",
                               details={"file": [str(_("The file is larger than 10 MB."))]})
    data = upload.read()
    content_type = sniff_content_type(data[:16])
    if content_type is None:
        raise ValidationFailed(_("Upload a PDF, JPEG, PNG or WebP file."), code="file_type_not_supported",
                               details={"file": [str(_("Upload a PDF, JPEG, PNG or WebP file."))]})
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        document = PatientDocument(
            patient=patient, policy=policy, kind=kind, language=language, title=title[:200],
            original_name=(getattr(upload, "name", "") or "upload")[-255:], content_type=content_type,
            size=len(data), sha256=digest, uploaded_by=actor,
        )
        extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
        document.file.save(f"{document.public_id}.{extension[content_type]}", ContentFile(data), save=False)
        document.save()
        audit_record(action="patient_document.uploaded", actor=actor, request=request,
                     object_type="patient_document", object_id=document.public_id,
                     patient_public_id=patient.public_id, details={"kind": kind, "size": len(data)})
    return document


def guardian_add(*, patient, guardian, relationship, actor, request=None):
    """Record a person (with an account) as guardian of a patient."""
    if relationship not in Guardianship.Relationship.values:
        raise ValidationFailed(details={"relationship": [str(_("Choose the relationship to the patient."))]})
    with transaction.atomic():
        guardianship, created = Guardianship.objects.get_or_create(
            guardian=guardian, patient=patient, ended_at=None, defaults={"relationship": relationship})
        audit_record(action="guardian.added", actor=actor, request=request, object_type="guardianship",
                     object_id=guardianship.public_id, patient_public_id=patient.public_id)
    return guardianship


def patient_merge(*, keep, merge, actor, request=None):
    """Merge a duplicate record into the one kept: everything moves, the duplicate points at the kept one."""
    if keep.pk == merge.pk or merge.merged_into_id or keep.merged_into_id:
        raise Conflict(_("These records cannot be merged."), code="merge_not_possible")
    with transaction.atomic():
        moved = {"record_numbers": [], "documents": 0, "identity_documents": 0, "policies": 0, "guardianships": 0,
                 "consents": 0, "messaging_handles": 0}
        for mrn in MedicalRecordNumber.objects.filter(patient=merge):
            if MedicalRecordNumber.objects.filter(patient=keep, hospital=mrn.hospital).exists():
                # The kept record has a number at this hospital; the other number stays, pointing at the
                # merged record, so papers printed with it still resolve.
                moved["record_numbers"].append({"number": mrn.number, "kept_on_merged_record": True})
                continue
            mrn.patient = keep
            mrn.save(update_fields=["patient", "updated_at"])
            moved["record_numbers"].append({"number": mrn.number, "kept_on_merged_record": False})
        moved["identity_documents"] = IdentityDocument.objects.filter(patient=merge).update(patient=keep)
        moved["documents"] = PatientDocument.objects.filter(patient=merge).update(patient=keep)
        moved["policies"] = InsurancePolicy.objects.filter(patient=merge).update(patient=keep)
        for guardianship in Guardianship.objects.filter(patient=merge, ended_at__isnull=True):
            if Guardianship.objects.filter(patient=keep, guardian=guardianship.guardian, ended_at__isnull=True).exists():
                continue
            guardianship.patient = keep
            guardianship.save(update_fields=["patient", "updated_at"])
            moved["guardianships"] += 1
        for handle in MessagingHandle.objects.filter(patient=merge):
            if not MessagingHandle.objects.filter(patient=keep, app=handle.app).exists():
                handle.patient = keep
                handle.save(update_fields=["patient", "updated_at"])
                moved["messaging_handles"] += 1
        kept_kinds = set(Consent.objects.filter(subject_public_id=keep.public_id, withdrawn_at__isnull=True)
                         .values_list("kind", flat=True))
        for consent in Consent.objects.filter(subject_public_id=merge.public_id):
            if consent.withdrawn_at is None and consent.kind in kept_kinds:
                continue  # the kept record already has this consent active; the other stays on the merged record
            consent.subject_public_id = keep.public_id
            consent.save(update_fields=["subject_public_id", "updated_at"])
            moved["consents"] += 1
        for field in PATIENT_FIELDS:
            if not getattr(keep, field) and getattr(merge, field):
                setattr(keep, field, getattr(merge, field))
        if keep.account_id is None and merge.account_id is not None:
            account = merge.account
            merge.account = None
            merge.save(update_fields=["account"])
            keep.account = account
        keep.save()
        merge.merged_into = keep
        merge.save(update_fields=["merged_into", "updated_at"])
        DuplicateCandidate.objects.filter(
            Q(patient=keep, other=merge) | Q(patient=merge, other=keep), status=DuplicateCandidate.Status.OPEN
        ).update(status=DuplicateCandidate.Status.MERGED, resolved_by=actor, resolved_at=timezone.now())
        audit_record(action="patient.merged", actor=actor, request=request, object_type="patient",
                     object_id=keep.public_id, patient_public_id=keep.public_id,
                     details={"merged": str(merge.public_id), "moved": moved})
    return keep


def duplicate_dismiss(*, candidate, actor, request=None):
    """Record that two similar records are different people."""
    with transaction.atomic():
        candidate.status = DuplicateCandidate.Status.DISMISSED
        candidate.resolved_by = actor
        candidate.resolved_at = timezone.now()
        candidate.save()
        audit_record(action="duplicate.dismissed", actor=actor, request=request, object_type="duplicate",
                     object_id=candidate.public_id, patient_public_id=candidate.patient.public_id)
    return candidate


def handover_due(patient, *, today=None):
    """Tell whether a child's record is due to pass to them (18 within 30 days, or already 18 with guardians)."""
    today = today or dt.date.today()  # noqa: DTZ011 - birthdays are calendar dates
    return patient.age_on(today + dt.timedelta(days=30)) >= 18 and patient.guardianships.filter(
        ended_at__isnull=True).exists()
