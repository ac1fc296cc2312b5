"""What a FHIR caller may read: the patients app's checks, chosen by whether a person or a system asks."""

import uuid

from django.db.models import Prefetch, Q, prefetch_related_objects

from carebridge.accounts.access import deny
from carebridge.accounts.models import OrganisationKind
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record, audit_record_many
from carebridge.patients.access import (
    RECORD_READERS,
    patient_get_for_user,
    patients_visible_to_organisation,
    patients_visible_to_user,
)
from carebridge.patients.models import MedicalRecordNumber
from carebridge.patients.selectors import portal_patients
from carebridge.scheduling.access import DESK_ROLES, appointment_get_for_user, appointment_relation
from carebridge.scheduling.models import Appointment

APPOINTMENT_DETAILS = ("patient", "service__hospital", "hospital", "clinician", "slot")


def as_uuid(value):
    """Return the UUID a FHIR id or reference names, or None when it names none."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def audit_later(request, **entry):
    """Audit (the keyword arguments of `audit_record`) with the FHIR interaction's own row, in one insert.

    Inside a FHIR endpoint the row joins those the endpoint writes when it answers (whatever the answer, even an
    error); anywhere else it is written at once.
    """
    pending = getattr(request, "fhir_audit", None)
    if pending is None:
        audit_record(request=request, **entry)
    else:
        pending.append(entry)


def record_numbers_with_hospitals():
    """Return the prefetch of patients' record numbers with their hospitals (one query for a page of patients)."""
    return Prefetch("record_numbers", queryset=MedicalRecordNumber.objects.select_related("hospital"))


def patient_details_prefetch(patients):
    """Fetch what a FHIR Patient shows of a list of patients: identity documents, record numbers and hospitals."""
    prefetch_related_objects(patients, "documents_of_identity", record_numbers_with_hospitals())
    return patients


def caller_patients(caller):
    """Return the patient records the caller may read."""
    if caller.is_system:
        return patients_visible_to_organisation(caller.organisation)
    if caller.patient is not None:
        # A patient's app reads that patient's compartment only, whatever else its user may read.
        return patients_visible_to_user(caller.user).filter(pk=caller.patient.pk)
    return patients_visible_to_user(caller.user)


def caller_patient_get(caller, *, public_id, request, purpose="fhir-read", with_details=False):
    """Return a patient the caller may read, auditing the read; NotFound whether missing or forbidden.

    A hospital's system reads through `patients_visible_to_organisation` (the check `patient_get_for_organisation`
    makes, with the same audit row); a person through patients' access. `with_details` fetches what a FHIR
    Patient shows (see `patient_details_prefetch`) with the patient.
    """
    if as_uuid(public_id) is None or (caller.patient is not None
                                      and as_uuid(public_id) != caller.patient.public_id):
        refuse(caller, request=request, object_type="patient", object_id=public_id)
    if not caller.is_system:
        patient = patient_get_for_user(user=caller.user, public_id=public_id, request=request, purpose=purpose)
        return patient_details_prefetch([patient])[0] if with_details else patient
    patients = patients_visible_to_organisation(caller.organisation).filter(public_id=public_id)
    if with_details:
        patients = patients.prefetch_related("documents_of_identity", record_numbers_with_hospitals())
    patient = patients.first()
    if patient is None:
        deny(user=None, request=request, object_type="patient", object_id=public_id, reason="not_in_organisation")
    audit_later(request, action="patient.read", organisation=caller.organisation, object_type="patient",
                object_id=patient.public_id, patient_public_id=patient.public_id, purpose=purpose,
                details={"as": "system"})
    return patient


def refuse(caller, *, request, object_type, object_id):
    """Record a refused or impossible look-up and raise NotFound."""
    deny(user=caller.user, request=request, object_type=object_type, object_id=object_id, reason="not_found")


def caller_hospitals(caller):
    """Return the hospitals whose records the caller reads as staff or as the hospital's system."""
    if caller.is_system:
        organisation = caller.organisation
        return [organisation] if organisation is not None and organisation.kind == OrganisationKind.HOSPITAL else []
    if caller.patient is not None:
        return []  # a patient's app never reads as staff, even when its user is also staff somewhere
    return organisations_with_role(caller.user, *RECORD_READERS)


def record_number_visibility(caller):
    """Return a test of which record numbers the caller sees: all for the patient's side, else own hospitals'."""
    hospitals = {hospital.pk for hospital in caller_hospitals(caller)}
    held = set() if caller.is_system else set(caller_held_patients(caller).values_list("pk", flat=True))
    return lambda record_number: record_number.patient_id in held or record_number.hospital_id in hospitals


def searchable_record_numbers(caller):
    """Return the record-number rows a caller may search by: their hospitals' and those of records they hold."""
    numbers = MedicalRecordNumber.objects.filter(hospital__in=caller_hospitals(caller))
    if not caller.is_system:
        numbers |= MedicalRecordNumber.objects.filter(patient__in=caller_held_patients(caller))
    return numbers


def caller_held_patients(caller):
    """Return the records a person holds as patient or guardian; for a patient's app, its one patient."""
    held = portal_patients(caller.user)
    return held.filter(pk=caller.patient.pk) if caller.patient is not None else held


def audit_search_results(caller, *, patients, request, resource_type, parameters):
    """Write one patient.read row per patient a search returned (all in one insert)."""
    hospitals = {hospital.pk: hospital for hospital in caller_hospitals(caller)}
    prefetch_related_objects(patients, record_numbers_with_hospitals())
    entries = []
    for patient in patients:
        hospital = next((hospitals[mrn.hospital_id] for mrn in patient.record_numbers.all()
                         if mrn.hospital_id in hospitals), None)
        entries.append(dict(action="patient.read", actor=caller.user, organisation=hospital, object_type="patient",
                            object_id=patient.public_id, patient_public_id=patient.public_id, purpose="fhir-search",
                            details={"as": "system" if caller.is_system else ("staff" if hospital else "portal"),
                                     "resource": resource_type, "parameters": sorted(parameters)}))
    pending = getattr(request, "fhir_audit", None)
    if pending is None:
        audit_record_many(entries, request=request)
    else:
        pending.extend(entries)


def caller_appointments(caller):
    """Return the appointments the caller may read: a hospital's system its hospital's; a person as on the site.

    For a person this mirrors scheduling's `appointment_relation`: the appointments of the records they hold
    as patient or guardian, their hospitals' (desk staff), and their own (the clinician).
    """
    if caller.is_system:
        return Appointment.objects.filter(hospital__in=caller_hospitals(caller))
    user = caller.user
    if caller.patient is not None:
        return Appointment.objects.filter(patient__in=caller_held_patients(caller))
    visible = Q(patient__in=portal_patients(user)) | Q(hospital__in=organisations_with_role(user, *DESK_ROLES))
    visible |= Q(clinician__user=user)
    return Appointment.objects.filter(visible)


def caller_appointment_get(caller, *, public_id, request):
    """Return an appointment the caller may read, auditing the read; NotFound whether missing or forbidden."""
    if as_uuid(public_id) is None:
        refuse(caller, request=request, object_type="appointment", object_id=public_id)
    if not caller.is_system and caller.patient is None:
        return appointment_get_for_user(user=caller.user, public_id=public_id, request=request)
    appointment = caller_appointments(caller).select_related(*APPOINTMENT_DETAILS).filter(public_id=public_id).first()
    if appointment is None:
        deny(user=caller.user, request=request, object_type="appointment", object_id=public_id,
             reason="not_in_organisation" if caller.is_system else "not_in_compartment")
    audit_record(action="appointment.read", actor=caller.user, request=request, organisation=caller.organisation,
                 object_type="appointment", object_id=appointment.public_id,
                 patient_public_id=appointment.patient.public_id, purpose="fhir-read",
                 details={"as": "system" if caller.is_system else "patient-app"})
    return appointment


def audit_appointment_search_results(caller, *, appointments, request, parameters):
    """Write one appointment.read row per appointment a search returned."""
    for appointment in appointments:
        audit_record(action="appointment.read", actor=caller.user, request=request,
                     organisation=appointment.hospital, object_type="appointment",
                     object_id=appointment.public_id, patient_public_id=appointment.patient.public_id,
                     purpose="fhir-search",
                     details={"as": "system" if caller.is_system else appointment_relation(caller.user, appointment),
                              "resource": "Appointment",
                              "parameters": sorted(parameters)})
