"""FHIR R4 endpoints of insurance: eligibility, preauthorizations and claims, their responses, remittances.

Who reads what is insurance's own rule (carebridge/insurance/access.py): the hospital's coordinators, cashiers and
managers and the hospital's system; the case managers and the system of the insurer a case is addressed to (or of
the TPA working its cases), never its drafts; the patient's own people and the patient's app. Everyone else gets
404, audited, and empty searches. Every resource given out writes an audit row.
"""

from django.db.models import Q

from carebridge.accounts.models import OrganisationKind
from carebridge.audit.services import audit_record
from carebridge.insurance.access import (
    claim_get_for_user,
    gop_get_for_user,
    insurance_hospitals,
    insurer_organisations,
)
from carebridge.insurance.models import Claim, ClaimLine, ClaimPayment, EligibilityCheck, GuaranteeOfPayment
from carebridge.insurance.selectors import reason_text
from carebridge.interop import fhir_insurance
from carebridge.interop.access import as_uuid, caller_held_patients, refuse
from carebridge.interop.fhir import fhir_response
from carebridge.interop.fhir_search import any_of, page, page_chained, reference_id, searchset, token
from carebridge.interop.views import fhir_endpoint, parse, read_response
from carebridge.patients.selectors import portal_patients

# --- Who the caller is to insurance cases --------------------------------------------------------------------------


def _sides(caller):
    """Return (hospitals, insurer organisations, patients or None) the caller reads insurance cases as."""
    if caller.is_system:
        organisation = caller.organisation
        if organisation is None:
            return [], [], None
        if organisation.kind == OrganisationKind.HOSPITAL:
            return [organisation], [], None
        if organisation.kind == OrganisationKind.INSURER:
            return [], [organisation], None
        return [], [], None
    if caller.patient is not None:
        # A patient's app reads that patient's cases only, whatever else its user may read.
        return [], [], caller_held_patients(caller)
    user = caller.user
    return list(insurance_hospitals(user)), list(insurer_organisations(user)), portal_patients(user)


def _payer_in(organisations, field="payer"):
    return Q(**{f"{field}__in": organisations}) | Q(**{f"{field}__payer_profile__administered_by__in": organisations})


def _visible(caller, *, payer_field="payer", prefix="", drafts_hidden=True):
    """Return the filter of the cases the caller sees (rows with hospital, payer and patient, maybe under a prefix)."""
    hospitals, insurers, patients = _sides(caller)
    outside = Q()
    if drafts_hidden:
        outside = ~Q(**{f"{prefix}status": "draft"})
    matches = []
    if hospitals:
        matches.append(Q(**{f"{prefix}hospital__in": hospitals}))
    if insurers:
        matches.append(_payer_in(insurers, f"{prefix}{payer_field}") & outside)
    if patients is not None:
        matches.append(Q(**{f"{prefix}patient__in": patients}) & outside)
    return any_of(matches)


def _relation(caller, row):
    """Return how the caller sees a row it may read: "hospital", "insurer" or "patient"."""
    hospitals, _insurers, _patients = _sides(caller)
    if row.hospital in hospitals:
        return "hospital"
    if caller.patient is not None or (not caller.is_system and portal_patients(caller.user).filter(
            pk=row.patient_id).exists()):
        return "patient"
    return "insurer"


def _audit(request, row, object_type, *, relation, interaction):
    caller = request.fhir_caller
    audit_record(action=f"{object_type}.read", actor=caller.user, request=request,
                 organisation=caller.organisation or row.hospital, object_type=object_type, object_id=row.public_id,
                 patient_public_id=row.patient.public_id, purpose="insurance",
                 details={"as": relation, "via": f"fhir-{interaction}"})


def _audit_found(request, rows, object_type):
    for row in rows:
        _audit(request, row, object_type, relation=_relation(request.fhir_caller, row), interaction="search")


def _case_get(request, kind, public_id):
    """Return a GOP or claim the caller may read (insurance's own check, audited); refuse (404) otherwise."""
    caller = request.fhir_caller
    getter = gop_get_for_user if kind == "gop" else claim_get_for_user
    if as_uuid(public_id) is None:
        refuse(caller, request=request, object_type=kind, object_id=public_id)
    if caller.is_system:
        row = getter(user=None, public_id=public_id, request=request, sides=("hospital", "insurer"),
                     organisation=caller.organisation)
    elif caller.patient is not None:
        row = getter(user=caller.user, public_id=public_id, request=request, sides=("patient",))
        if row.patient_id != caller.patient.pk:
            refuse(caller, request=request, object_type=kind, object_id=public_id)
    else:
        row = getter(user=caller.user, public_id=public_id, request=request)
    if row.status == "draft" and row.relation != "hospital":
        refuse(caller, request=request, object_type=kind, object_id=public_id)
    return row


def _patients_filter(search, field="patient"):
    matches = Q()
    for alternatives in search.each("patient"):
        ids = [reference_id(value, resource_type="Patient") for value in alternatives]
        matches &= any_of(Q(**{f"{field}__public_id": public_id}) for public_id in ids if public_id)
    return matches


def _token_codes(search, name):
    """Return the OR-lists of codes of a token parameter (a system, if given, is ignored)."""
    return [[token(value)[1] for value in alternatives] for alternatives in search.each(name)]


def _status_filter(search, statuses):
    """Return the filter of the status parameter: `statuses` maps a FHIR status to the rows' statuses (or None
    for "any other than those listed")."""
    matches = Q()
    listed = [status for values in statuses.values() if values for status in values]
    for codes in _token_codes(search, "status"):
        alternatives = []
        for code in codes:
            if code not in statuses:
                continue
            values = statuses[code]
            alternatives.append(Q(status__in=values) if values is not None else ~Q(status__in=listed))
        matches &= any_of(alternatives)
    return matches


def _search_response(request, search, resources, total):
    return fhir_response(searchset(request, search=search, resources=resources, total=total))


# --- Eligibility ---------------------------------------------------------------------------------------------------


ELIGIBILITY_DETAILS = ("hospital", "patient", "policy__payer", "policy__patient")


def _eligibility_rows(caller):
    return EligibilityCheck.objects.filter(_visible(caller, payer_field="policy__payer", drafts_hidden=False))


def _eligibility_get(request, resource_id):
    caller = request.fhir_caller
    public_id = as_uuid(resource_id)
    check = _eligibility_rows(caller).select_related(*ELIGIBILITY_DETAILS).filter(public_id=public_id).first() \
        if public_id else None
    if check is None:
        refuse(caller, request=request, object_type="eligibility_check", object_id=resource_id)
    _audit(request, check, "eligibility_check", relation=_relation(caller, check), interaction="read")
    return check


def _eligibility_search(request, resource_type, to_resource):
    caller = request.fhir_caller
    search = parse(request, resource_type, fhir_insurance.ELIGIBILITY_SEARCH_PARAMS)
    rows = _eligibility_rows(caller).filter(_patients_filter(search))
    rows = rows.filter(_status_filter(search, {"active": None}))
    checks, total = page(rows.select_related(*ELIGIBILITY_DETAILS).order_by("-created_at", "pk"), search)
    _audit_found(request, checks, "eligibility_check")
    return _search_response(request, search, [to_resource(check) for check in checks], total)


def _eligibility_response(check):
    return fhir_insurance.eligibility_response_resource(check, reason_text=reason_text)


@fhir_endpoint
def eligibility_request_read(request, resource_id):
    """Read an eligibility check as a FHIR CoverageEligibilityRequest."""
    return read_response(fhir_insurance.eligibility_request_resource(_eligibility_get(request, resource_id)))


@fhir_endpoint
def eligibility_request_search(request):
    """Search the eligibility checks the caller may read."""
    return _eligibility_search(request, "CoverageEligibilityRequest", fhir_insurance.eligibility_request_resource)


@fhir_endpoint
def eligibility_response_read(request, resource_id):
    """Read the answer of an eligibility check as a FHIR CoverageEligibilityResponse."""
    return read_response(_eligibility_response(_eligibility_get(request, resource_id)))


@fhir_endpoint
def eligibility_response_search(request):
    """Search the answers of the eligibility checks the caller may read."""
    return _eligibility_search(request, "CoverageEligibilityResponse", _eligibility_response)


# --- Claim and ClaimResponse ---------------------------------------------------------------------------------------


GOP_DETAILS = ("hospital", "patient", "payer", "policy__payer", "policy__patient", "estimate")
CLAIM_DETAILS = ("hospital", "patient", "payer", "policy__payer", "policy__patient", "invoice__encounter",
                 "gop__hospital")
CLAIM_STATUSES = {"draft": ["draft"], "cancelled": ["cancelled"], "active": None}
RESPONSE_STATUSES = {"cancelled": ["cancelled"], "active": None}


def _gop_claim(gop):
    lines = list(gop.estimate.lines.order_by("position", "id")) if gop.estimate_id else []
    attachments = list(gop.attachments.select_related("report", "patient_document").order_by("added_at", "id"))
    return fhir_insurance.gop_claim_resource(gop, estimate_lines=lines, attachments=attachments)


def _claim_lines(claim):
    return list(ClaimLine.objects.filter(claim=claim).select_related("invoice_line").order_by("id"))


def _final_claim(claim):
    return fhir_insurance.final_claim_resource(claim, lines=_claim_lines(claim))


def _gop_response(gop):
    return fhir_insurance.gop_claim_response_resource(gop, events=list(gop.events.order_by("created_at", "id")))


def _final_response(claim):
    return fhir_insurance.final_claim_response_resource(claim, lines=_claim_lines(claim))


def _uses(search):
    """Return which kinds ("gop", "claim") the use parameter keeps."""
    kinds = {"gop", "claim"}
    for codes in _token_codes(search, "use"):
        kinds &= {{"preauthorization": "gop", "claim": "claim"}.get(code) for code in codes}
    return kinds


def _gops(caller):
    return GuaranteeOfPayment.objects.filter(_visible(caller)).select_related(*GOP_DETAILS)


def _claims(caller):
    return Claim.objects.filter(_visible(caller)).select_related(*CLAIM_DETAILS)


@fhir_endpoint
def claim_read(request, resource_id):
    """Read a GOP request (Claim/gop-<id>, preauthorization) or a final claim (Claim/claim-<id>)."""
    kind, public_id = fhir_insurance.split_id(resource_id)
    if kind is None:
        refuse(request.fhir_caller, request=request, object_type="claim", object_id=resource_id)
    row = _case_get(request, kind, public_id)
    return read_response(_gop_claim(row) if kind == "gop" else _final_claim(row))


@fhir_endpoint
def claim_search(request):
    """Search the GOP requests and final claims the caller may read."""
    caller = request.fhir_caller
    search = parse(request, "Claim", fhir_insurance.CLAIM_SEARCH_PARAMS)
    kinds = _uses(search)
    gops = _gops(caller).filter(_patients_filter(search), _status_filter(search, CLAIM_STATUSES))
    claims = _claims(caller).filter(_patients_filter(search), _status_filter(search, CLAIM_STATUSES))
    querysets = [(gops if "gop" in kinds else gops.none()).order_by("-created_at", "pk"),
                 (claims if "claim" in kinds else claims.none()).order_by("-created_at", "pk")]
    rows, total = page_chained(querysets, search)
    resources = []
    for row in rows:
        is_gop = isinstance(row, GuaranteeOfPayment)
        _audit(request, row, "gop" if is_gop else "claim", relation=_relation(caller, row), interaction="search")
        resources.append(_gop_claim(row) if is_gop else _final_claim(row))
    return _search_response(request, search, resources, total)


@fhir_endpoint
def claim_response_read(request, resource_id):
    """Read the insurer's answer to a GOP request or its adjudication of a final claim."""
    caller = request.fhir_caller
    kind, public_id = fhir_insurance.split_id(resource_id)
    if kind is None:
        refuse(caller, request=request, object_type="claim_response", object_id=resource_id)
    row = _case_get(request, kind, public_id)
    answered = fhir_insurance.gop_has_response(row) if kind == "gop" else fhir_insurance.claim_has_response(row)
    if not answered:
        refuse(caller, request=request, object_type="claim_response", object_id=resource_id)
    return read_response(_gop_response(row) if kind == "gop" else _final_response(row))


def _requests(search):
    """Return the filters of the request parameter on GOPs and on claims."""
    gop_match, claim_match = Q(), Q()
    for alternatives in search.each("request"):
        gop_ids, claim_ids = [], []
        for value in alternatives:
            kind, public_id = fhir_insurance.split_id(value.rsplit("/", 1)[-1])
            if as_uuid(public_id) is not None:
                (gop_ids if kind == "gop" else claim_ids).append(as_uuid(public_id))
        gop_match &= any_of(Q(public_id=public_id) for public_id in gop_ids)
        claim_match &= any_of(Q(public_id=public_id) for public_id in claim_ids)
    return gop_match, claim_match


@fhir_endpoint
def claim_response_search(request):
    """Search the insurer's answers to the GOP requests and claims the caller may read."""
    caller = request.fhir_caller
    search = parse(request, "ClaimResponse", fhir_insurance.CLAIM_RESPONSE_SEARCH_PARAMS)
    gop_request, claim_request = _requests(search)
    gops = _gops(caller).filter(Q(decided_at__isnull=False) | Q(status="info_requested"))
    claims = _claims(caller).filter(status__in=fhir_insurance.ADJUDICATED)
    gops = gops.filter(_patients_filter(search), _status_filter(search, RESPONSE_STATUSES), gop_request)
    claims = claims.filter(_patients_filter(search), _status_filter(search, RESPONSE_STATUSES), claim_request)
    outcomes = [set(codes) for codes in _token_codes(search, "outcome")]
    candidates = [*gops.order_by("-created_at", "pk"), *claims.order_by("-created_at", "pk")]
    resources_all = []
    for row in candidates:
        resource = _gop_response(row) if isinstance(row, GuaranteeOfPayment) else _final_response(row)
        if all(resource.outcome in codes for codes in outcomes):
            resources_all.append((row, resource))
    chosen = resources_all[search.offset:search.offset + search.count]
    for row, _resource in chosen:
        _audit(request, row, "gop" if isinstance(row, GuaranteeOfPayment) else "claim",
               relation=_relation(caller, row), interaction="search")
    return _search_response(request, search, [resource for _row, resource in chosen], len(resources_all))


# --- PaymentReconciliation -----------------------------------------------------------------------------------------


PAYMENT_DETAILS = ("payment", "claim__hospital", "claim__payer", "claim__patient")


@fhir_endpoint
def payment_reconciliation_read(request, resource_id):
    """Read an insurer's remittance for a claim as a FHIR PaymentReconciliation."""
    caller = request.fhir_caller
    public_id = as_uuid(resource_id)
    claim_payment = ClaimPayment.objects.select_related(*PAYMENT_DETAILS).filter(
        payment__public_id=public_id).first() if public_id else None
    if claim_payment is None:
        refuse(caller, request=request, object_type="claim_payment", object_id=resource_id)
    _case_get(request, "claim", str(claim_payment.claim.public_id))  # the claim's readers, audited
    return read_response(fhir_insurance.payment_reconciliation_resource(claim_payment))


@fhir_endpoint
def payment_reconciliation_search(request):
    """Search the insurers' remittances for the claims the caller may read."""
    caller = request.fhir_caller
    search = parse(request, "PaymentReconciliation", fhir_insurance.PAYMENT_RECONCILIATION_SEARCH_PARAMS)
    _gop_request, claim_request = _requests(search)
    claims = Claim.objects.filter(_visible(caller)).filter(_patients_filter(search), claim_request)
    rows = ClaimPayment.objects.filter(claim__in=claims)
    for codes in _token_codes(search, "status"):
        if "active" not in codes:
            rows = rows.none()
    found, total = page(rows.select_related(*PAYMENT_DETAILS).order_by("-created_at", "pk"), search)
    for claim_payment in found:
        claim = claim_payment.claim
        _audit(request, claim, "claim", relation=_relation(caller, claim), interaction="search")
    return _search_response(request, search, [fhir_insurance.payment_reconciliation_resource(row) for row in found],
                            total)

