"""Who may export or import a patient's summary; every refusal answers "not found" and is audited.

Export (the summary holds the clinical record): the patient and their guardians, the clinicians of a hospital
where the patient is registered, and such a hospital's system. Import: the patient or a guardian who manages the
record, and the coordinators of a hospital where the patient is registered (and such a hospital's system).
"""

from carebridge.accounts.models import OrganisationKind
from carebridge.clinical.access import clinical_patient_get
from carebridge.interop.access import as_uuid, caller_patient_get, refuse
from carebridge.interop.ips.models import IpsImport
from carebridge.patients.access import patient_get_for_user
from carebridge.patients.selectors import portal_patients


def _system_hospital(caller, *, public_id, request, purpose):
    if caller.organisation is None or caller.organisation.kind != OrganisationKind.HOSPITAL:
        refuse(caller, request=request, object_type="patient", object_id=public_id)
    return caller_patient_get(caller, public_id=public_id, request=request, purpose=purpose)


def ips_export_patient_get(*, user=None, caller=None, public_id, request=None):
    """Return the patient whose summary a user (or a FHIR caller) may export; NotFound otherwise."""
    if caller is not None and caller.is_system:
        return _system_hospital(caller, public_id=public_id, request=request, purpose="ips-export")
    user = user or caller.user
    return clinical_patient_get(user=user, public_id=public_id, request=request, purpose="ips-export")


def ips_import_patient_get(*, user=None, caller=None, public_id, request=None):
    """Return (patient, via) for someone who may import a summary into a record; NotFound otherwise."""
    if caller is not None and caller.is_system:
        return _system_hospital(caller, public_id=public_id, request=request, purpose="ips-import"), \
            IpsImport.Via.FHIR
    user = user or caller.user
    if as_uuid(public_id) is None:
        patient_get_for_user(user=user, public_id=public_id, request=request)  # raises NotFound, audited
    patient = patient_get_for_user(user=user, public_id=public_id, request=request, purpose="ips-import",
                                   manage=True)
    held = portal_patients(user).filter(pk=patient.pk).exists()
    return patient, IpsImport.Via.PORTAL if held else IpsImport.Via.DESK
