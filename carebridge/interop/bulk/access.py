"""Who may start, follow and download a bulk export, and read a group: the hospital's system, or its staff."""

from carebridge.accounts.models import OrganisationKind, Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.interop.access import as_uuid, refuse
from carebridge.interop.bulk.models import BulkExport, BulkExportFile, PatientGroup
from carebridge.interop.bulk.resources import EXPORT_TYPES, RECORD_TYPES

# SMART permissions that allow reading in bulk: v1 "read" or "*", v2 any of c/r/u/d/s with both r and s.
V1_READ = {"read", "*"}
# Staff who may export on the page: coordinators the patients' records, clinicians the clinical record too.
PAGE_ROLES = (Role.COORDINATOR, Role.CLINICIAN)


def granted_types(scopes):
    """Return the resource types a token's SMART system scopes allow to export, in export order."""
    granted = set()
    for scope in scopes or []:
        context, _sep, rest = scope.partition("/")
        resource, _sep, permission = rest.partition(".")
        permission = permission.split("?")[0]
        v2 = bool(permission) and set(permission) <= set("cruds") and {"r", "s"} <= set(permission)
        if context != "system" or not (permission in V1_READ or v2):
            continue
        granted |= set(EXPORT_TYPES) if resource == "*" else {resource} & set(EXPORT_TYPES)
    return [name for name in EXPORT_TYPES if name in granted]


def staff_export_hospitals(user):
    """Return the hospitals whose data a member of staff may export on the page."""
    return [h for h in organisations_with_role(user, *PAGE_ROLES) if h.kind == OrganisationKind.HOSPITAL]


def staff_export_types(user, hospital):
    """Return the types a member of staff may export of a hospital: records for coordinators, all for clinicians."""
    if hospital in organisations_with_role(user, Role.CLINICIAN):
        return list(EXPORT_TYPES)
    if hospital in organisations_with_role(user, Role.COORDINATOR):
        return list(RECORD_TYPES)
    return []


def _visible(export):
    return export is not None and export.status not in (BulkExport.Status.CANCELLED, BulkExport.Status.EXPIRED)


def export_get_for_caller(caller, *, public_id, request):
    """Return an export the caller may follow: one of its own hospital's; NotFound (audited) otherwise."""
    export = None
    if as_uuid(public_id) is not None:
        export = BulkExport.objects.select_related("hospital", "group").filter(public_id=public_id).first()
    if caller.is_system:
        allowed = _visible(export) and export.hospital_id == getattr(caller.organisation, "pk", None)
    else:
        allowed = _visible(export) and export.hospital in staff_export_hospitals(caller.user) \
            and set(export.types) <= set(staff_export_types(caller.user, export.hospital))
    if not allowed:
        refuse(caller, request=request, object_type="bulk_export", object_id=public_id)
    return export


def export_file_get_for_caller(caller, *, public_id, request):
    """Return a file of a completed export the caller may download; NotFound (audited) otherwise."""
    export_file = None
    if as_uuid(public_id) is not None:
        export_file = BulkExportFile.objects.select_related("export").filter(public_id=public_id).first()
    if export_file is None or export_file.export.status != BulkExport.Status.COMPLETED:
        refuse(caller, request=request, object_type="bulk_export_file", object_id=public_id)
    export = export_get_for_caller(caller, public_id=export_file.export.public_id, request=request)
    export_file.export = export
    return export_file


def group_get_for_caller(caller, *, public_id, request):
    """Return a group the caller may read: its own hospital's; NotFound (audited) otherwise."""
    group = None
    if as_uuid(public_id) is not None:
        group = PatientGroup.objects.select_related("hospital").filter(public_id=public_id).first()
    if group is None or not caller_groups(caller).filter(pk=group.pk).exists():
        refuse(caller, request=request, object_type="patient_group", object_id=public_id)
    return group


def caller_groups(caller):
    """Return the groups the caller may read and export."""
    if caller.is_system:
        organisation = caller.organisation
        if organisation is None or organisation.kind != OrganisationKind.HOSPITAL:
            return PatientGroup.objects.none()
        return PatientGroup.objects.filter(hospital=organisation)
    return PatientGroup.objects.filter(hospital__in=staff_export_hospitals(caller.user))
