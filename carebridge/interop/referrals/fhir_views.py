"""FHIR read and search of referrals as ServiceRequest, beside the clinical orders that share the type.

A read goes to whichever of the two holds the id; a search with category=3457005 (Patient referral) lists
referrals, any other search the orders. Both are guarded (authentication, scopes, audit) by `fhir_endpoint`.
"""

from django.db.models import Q

from carebridge.audit.services import audit_record
from carebridge.interop import views_clinical
from carebridge.interop.access import as_uuid, refuse
from carebridge.interop.fhir import fhir_response
from carebridge.interop.fhir_search import any_of, page, reference_id, search_parse, searchset, token
from carebridge.interop.referrals import fhir as referral_fhir
from carebridge.interop.referrals.access import referrals_visible_to_organisation, referrals_visible_to_user
from carebridge.interop.referrals.models import Referral
from carebridge.interop.referrals.selectors import referral_documents
from carebridge.interop.search_specs import search_options
from carebridge.interop.views import fhir_endpoint, included, read_response
from carebridge.patients.selectors import portal_patients

# The _sort keys the CapabilityStatement gives ServiceRequest, on a referral's own fields.
SORTS = {"_lastUpdated": ("updated_at",), "authored": ("created_at",)}
STATUSES = {"active": (Referral.Status.REQUESTED, Referral.Status.ACCEPTED),
            "revoked": (Referral.Status.DECLINED, Referral.Status.CANCELLED)}


def _visible(caller):
    if caller.is_system:
        return referrals_visible_to_organisation(caller.organisation)
    if getattr(caller, "patient", None) is not None:
        return Referral.objects.filter(patient=caller.patient, patient__in=portal_patients(caller.user))
    return referrals_visible_to_user(caller.user)


def _audit(caller, referrals, request, purpose):
    for referral in referrals:
        audit_record(action="referral.read", actor=caller.user, request=request,
                     organisation=caller.organisation, object_type="referral", object_id=referral.public_id,
                     patient_public_id=referral.patient.public_id, purpose=purpose,
                     details={"as": "system" if caller.is_system else "person", "resource": "ServiceRequest"})


def _resources(referrals):
    return [referral_fhir.service_request_resource(r, documents=referral_documents(r)) for r in referrals]


@fhir_endpoint
def referral_read(request, resource_id):
    """Read a referral as a FHIR ServiceRequest."""
    caller = request.fhir_caller
    referral = _visible(caller).select_related("patient", "from_hospital", "to_hospital").filter(
        public_id=as_uuid(resource_id)).first()
    if referral is None:
        refuse(caller, request=request, object_type="referral", object_id=resource_id)
    _audit(caller, [referral], request, "fhir-read")
    return read_response(referral_fhir.validated_resource(_resources([referral])[0]))


@fhir_endpoint
def referral_search(request):
    """Search the referrals the caller may read, by patient, status, requester and performer."""
    caller = request.fhir_caller
    options = {**search_options(request, "ServiceRequest"), "sorts": SORTS}
    search = search_parse(request.GET, params=referral_fhir.SEARCH_PARAMS, **options)
    rows = _visible(caller)
    for name in ("patient", "subject"):
        for values in search.each(name):
            rows = rows.filter(any_of(Q(patient__public_id=i) for i in
                                      (reference_id(v, resource_type="Patient") for v in values) if i))
    for name, field in (("performer", "to_hospital"), ("requester", "from_hospital")):
        for values in search.each(name):
            rows = rows.filter(any_of(Q(**{f"{field}__public_id": i}) for i in
                                      (reference_id(v, resource_type="Organization") for v in values) if i))
    for values in search.each("status"):
        rows = rows.filter(any_of(Q(status__in=STATUSES[token(v)[1]]) for v in values if token(v)[1] in STATUSES))
    for values in search.each("category"):
        if not any(token(v)[1] == referral_fhir.REFERRAL_CODE and token(v)[0] in (None, "", referral_fhir.SNOMED)
                   for v in values):
            rows = rows.none()
    found, total = page(rows.order_by("-created_at", "pk"), search)
    _audit(caller, found, request, "fhir-search")
    resources = [referral_fhir.validated_resource(resource) for resource in _resources(found)]
    return fhir_response(searchset(request, search=search, resources=resources, total=total,
                                   included=included(request, search, found)))


def service_request_read(request, resource_id):
    """Read a ServiceRequest: a referral when the id names one, else a clinical order."""
    public_id = as_uuid(resource_id)
    if public_id is not None and Referral.objects.filter(public_id=public_id).exists():
        return referral_read(request, resource_id=resource_id)
    return views_clinical.service_request_read(request, resource_id=resource_id)


def service_request_search(request):
    """Search ServiceRequests: referrals with category=3457005, clinical orders otherwise."""
    if referral_fhir.is_referral_search(request.GET.getlist("category")):
        return referral_search(request)
    return views_clinical.service_request_search(request)
