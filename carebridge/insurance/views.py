"""Pages of insurance: the hospital's cases and claims, the insurer's portal, the family's view, the figures.

A GOP case and a claim each have one address; what it shows depends on who looks (access.gop_get_for_user tells
the side: the hospital, the insurer the case is addressed to, or the patient's family). Anyone else gets 404.
Each action parses a form, makes one service call and answers; a refusal shows the service's translated message
on the form (400/409) and writes nothing.
"""

import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carebridge.accounts.access import deny
from carebridge.accounts.models import Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record, audit_record_reads
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.core.ids import is_uuid
from carebridge.insurance import forms, selectors, services
from carebridge.insurance.access import (
    claim_get_for_user,
    gop_get_for_user,
    insurer_organisations,
)
from carebridge.insurance.models import Claim, DirectBilling, EligibilityCheck, GopEvent, GuaranteeOfPayment
from carebridge.patients.selectors import patient_search, patients_at, portal_patients, record_number_at

CASE_ROLES = (Role.COORDINATOR, Role.MANAGER)  # who works the GOP cycle at the hospital
BILLING_ROLES = (Role.COORDINATOR, Role.CASHIER, Role.MANAGER)  # who marks direct billing, claims, remittances
FIGURES_ROLES = (Role.COORDINATOR, Role.MANAGER)


def _not_found(request, object_type, object_id="", reason="not_insurance"):
    try:
        deny(user=request.user, request=request, object_type=object_type, object_id=object_id, reason=reason)
    except NotFound:
        raise Http404 from None


def _add_error(form, exc):
    """Show a service's refusal on the field it names when the form has it, else above the form."""
    field = next((name for name in (exc.details or {}) if name in form.fields), None)
    form.add_error(field, str(exc.message))


def _may(user, hospital, roles):
    return hospital in organisations_with_role(user, *roles)


def _hospital(request, roles=BILLING_ROLES):
    hospitals = organisations_with_role(request.user, *roles) if request.user.is_authenticated else []
    if not hospitals:
        _not_found(request, "insurance_desk", request.path, reason="role")
    return hospitals[0]


def _gop(request, public_id, sides=("hospital", "insurer", "patient")):
    try:
        return gop_get_for_user(user=request.user, public_id=str(public_id), request=request, sides=sides)
    except NotFound:
        raise Http404 from None


def _claim(request, public_id, sides=("hospital", "insurer", "patient")):
    try:
        return claim_get_for_user(user=request.user, public_id=str(public_id), request=request, sides=sides)
    except NotFound:
        raise Http404 from None


def _hospital_gop(request, public_id, roles=CASE_ROLES):
    """Return a case of the user's hospital that the user's role may act on (404 otherwise, audited)."""
    gop = _gop(request, public_id, sides=("hospital",))
    if not _may(request.user, gop.hospital, roles):
        _not_found(request, "gop", public_id, reason="role")
    return gop


def _patient_at(request, hospital, public_id):
    patient = patients_at(hospital).filter(public_id=public_id).first() if is_uuid(str(public_id)) else None
    if patient is None:
        _not_found(request, "patient", public_id, reason="not_insurance")
    audit_record(action="patient.read", actor=request.user, request=request, organisation=hospital,
                 object_type="patient", object_id=patient.public_id, patient_public_id=patient.public_id,
                 purpose="insurance", details={"as": "hospital"})
    return patient


# --- Eligibility ---------------------------------------------------------------------------------------------------


def _eligibility(policy, hospital, *, user, request):
    """Return today's answers for a policy at a hospital (inpatient, outpatient): checked once a day, then reused."""
    today = timezone.localdate()
    answers = []
    for setting in ("inpatient", "outpatient"):
        check = EligibilityCheck.objects.filter(policy=policy, hospital=hospital, setting=setting,
                                                service_date=today).first()
        if check is None:
            check = services.eligibility_check(policy=policy, hospital=hospital, setting=setting,
                                               checked_by=user, request=request)
        answers.append({"setting": setting, "check": check,
                        "reasons": [selectors.reason_text(code) for code in check.reasons]})
    return answers


def _policies(patient):
    return list(patient.insurance_policies.select_related("payer").order_by("-created_at"))


# --- The hospital: cases, a patient's panel, the request -------------------------------------------------------------


@login_required
def hospital_home(request):
    """The hospital's GOP queue (open cases first), recent claims, and a search for the patient to work on."""
    hospital = _hospital(request)
    query = request.GET.get("q", "").strip()
    found = list(patient_search(hospital=hospital, query=query)) if query else None
    gops = list(selectors.gops_at(hospital=hospital)[:300])
    open_gops = [g for g in gops if g.status in (*GuaranteeOfPayment.OPEN, GuaranteeOfPayment.Status.DRAFT)]
    other_gops = [g for g in gops if g not in open_gops]
    claims = list(selectors.claims_at(hospital=hospital)[:100])
    audit_record_reads(actor=request.user, request=request, organisation=hospital, purpose="insurance",
                       patients=list({p.pk: p for p in (found or []) + [g.patient for g in gops]
                                      + [c.patient for c in claims]}.values()))
    now = timezone.now()
    for gop in gops:
        gop.overdue = gop.status in GuaranteeOfPayment.OPEN and gop.respond_by is not None and gop.respond_by < now
    return render(request, "insurance/hospital/home.html", {
        "hospital": hospital, "query": query, "found": found, "open_gops": open_gops, "other_gops": other_gops,
        "claims": claims, "may_figures": _may(request.user, hospital, FIGURES_ROLES)})


@login_required
def claim_list(request):
    """The hospital's claims, newest first, optionally by status."""
    hospital = _hospital(request)
    status = request.GET.get("status", "")
    status = status if status in Claim.Status.values else ""
    claims = list(selectors.claims_at(hospital=hospital, status=status or None)[:500])
    audit_record_reads(actor=request.user, request=request, organisation=hospital, purpose="insurance",
                       patients=list({c.patient.pk: c.patient for c in claims}.values()))
    return render(request, "insurance/hospital/claims.html", {
        "hospital": hospital, "claims": claims, "status": status, "statuses": Claim.Status.choices})


def _claimable_invoices(hospital, patient):
    from carebridge.billing.models import Invoice

    invoices = list(Invoice.objects.filter(hospital=hospital, patient=patient, kind=Invoice.Kind.INVOICE,
                                           status__in=[Invoice.Status.ISSUED, Invoice.Status.PAID])
                    .order_by("-issued_at"))
    live = set(Claim.objects.filter(invoice__in=invoices).exclude(
        status__in=[Claim.Status.CANCELLED, Claim.Status.REJECTED]).values_list("invoice_id", flat=True))
    direct = {d.invoice_id: d for d in DirectBilling.objects.filter(invoice__in=invoices).select_related("gop")}
    for invoice in invoices:
        invoice.claimed = invoice.pk in live
        invoice.direct = direct.get(invoice.pk)
    return invoices


@login_required
@require_http_methods(["GET", "POST"])
def patient_panel(request, public_id):
    """A patient's insurance at the hospital: policies with today's eligibility, GOP cases, claims."""
    hospital = _hospital(request)
    patient = _patient_at(request, hospital, public_id)
    policies = _policies(patient)
    for policy in policies:
        policy.answers = _eligibility(policy, hospital, user=request.user, request=request)
    invoices = _claimable_invoices(hospital, patient)
    open_invoices = [i for i in invoices if not i.claimed and i.direct is None]
    claim_form = forms.ClaimStartForm(request.POST or None, invoices=open_invoices,
                                      policies=[p for p in policies if p.payer_id], prefix="claim")
    if request.method == "POST" and claim_form.is_valid():
        invoice = next(i for i in open_invoices if str(i.public_id) == claim_form.cleaned_data["invoice"])
        policy = next(p for p in policies if str(p.public_id) == claim_form.cleaned_data["policy"])
        try:
            claim = services.claim_create(invoice=invoice, by=request.user, policy=policy, request=request)
        except CareBridgeError as exc:
            _add_error(claim_form, exc)
        else:
            messages.success(request, _("Claim %(number)s is drafted. Check it, then submit it.")
                             % {"number": claim.number})
            return redirect("insurance:claim", public_id=claim.public_id)
    return render(request, "insurance/hospital/patient.html", {
        "hospital": hospital, "patient": patient, "policies": policies, "record_number": record_number_at(
            patient, hospital),
        "gops": list(patient.guarantees.filter(hospital=hospital).select_related("payer")),
        "claims": list(patient.claims.filter(hospital=hospital).select_related("payer", "invoice")),
        "claim_form": claim_form if open_invoices and any(p.payer_id for p in policies) else None,
        "may_request": _may(request.user, hospital, CASE_ROLES),
    }, status=400 if request.method == "POST" else 200)


def _released_reports(hospital, patient):
    from carebridge.clinical.models import DiagnosticReport

    reports = list(DiagnosticReport.objects.filter(hospital=hospital, patient=patient,
                                                   status__in=DiagnosticReport.RELEASED).order_by("-issued_at"))
    for report in reports:
        when = timezone.localtime(report.issued_at).date().isoformat() if report.issued_at else ""
        report.label = " · ".join(part for part in (report.code, report.display, when) if part)
    return reports


def _documents(patient):
    return list(patient.uploaded_documents.order_by("-created_at"))


def _picked(objects, ids):
    ids = set(ids or ())
    return [o for o in objects if str(o.public_id) in ids]


@login_required
@require_http_methods(["GET", "POST"])
def gop_new(request, public_id):
    """Build a GOP request from the case: diagnoses, plan, dates, amount or estimate, reports and documents."""
    hospital = _hospital(request, CASE_ROLES)
    patient = _patient_at(request, hospital, public_id)
    from carebridge.billing.models import CostEstimate

    policies = [p for p in _policies(patient) if p.payer_id]
    estimates = list(CostEstimate.objects.filter(hospital=hospital, patient=patient,
                                                 status=CostEstimate.Status.ACCEPTED).order_by("-accepted_at"))
    reports, documents = _released_reports(hospital, patient), _documents(patient)
    form = forms.GopRequestForm(request.POST or None, policies=policies, estimates=estimates, reports=reports,
                                documents=documents,
                                initial={"admission_date": timezone.localdate() + dt.timedelta(days=3)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        policy = next(p for p in policies if str(p.public_id) == data["policy"])
        estimate = next((e for e in estimates if str(e.public_id) == data["estimate"]), None)
        amount = data["requested_amount"]
        if not amount and estimate is not None:
            from carebridge.billing.selectors import estimate_totals

            amount = str(estimate_totals(estimate)["high"])
        try:
            gop = services.gop_request(
                hospital=hospital, policy=policy, admission_date=data["admission_date"],
                discharge_date=data["discharge_date"], diagnoses=data["diagnoses"],
                treatment_plan=data["treatment_plan"], requested_amount=amount, created_by=request.user,
                setting=data["setting"], estimate=estimate, reports=_picked(reports, data["reports"]),
                documents=_picked(documents, data["documents"]), urgent=data["urgent"], request=request)
        except CareBridgeError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("The request %(number)s is sent to %(insurer)s.")
                             % {"number": gop.number, "insurer": gop.payer.name})
            return redirect("insurance:gop", public_id=gop.public_id)
    return render(request, "insurance/hospital/gop_new.html", {
        "hospital": hospital, "patient": patient, "form": form, "policies": policies,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def icd10_search(request):
    """Return ICD-10 codes matching the text, named in the viewer's language (an htmx fragment for the request)."""
    from carebridge.clinical.terminology import icd10_display
    from carebridge.clinical.terminology import icd10_search as search

    _hospital(request, CASE_ROLES)
    query = (request.GET.get("q") or "").strip()[:100]
    language = get_language()
    results = []
    for concept in (search(query, language=language, limit=15) if query else []):
        shown = icd10_display(concept.code, language)
        results.append({"code": concept.code, "text": shown[0] if shown else concept.display,
                        "lang": shown[1] if shown else "en"})
    return render(request, "insurance/hospital/_icd10_results.html", {"results": results, "query": query})


# --- One GOP case, as each side sees it -----------------------------------------------------------------------------


def _extension_pending(gop):
    asked = gop.events.filter(kind=GopEvent.Kind.EXTENSION_REQUESTED).count()
    answered = gop.events.filter(kind__in=[GopEvent.Kind.EXTENSION_APPROVED, GopEvent.Kind.EXTENSION_DENIED]).count()
    if asked > answered:
        return gop.events.filter(kind=GopEvent.Kind.EXTENSION_REQUESTED).order_by("-id").first()
    return None


def _attachments(gop):
    rows = []
    for attachment in gop.attachments.select_related("report", "patient_document").order_by("added_at"):
        if attachment.report_id:
            kind, target = "report", attachment.report
            title = " · ".join(p for p in (target.code, target.display) if p) or attachment.title
        else:
            kind, target = "document", attachment.patient_document
            title = attachment.title
        rows.append({"title": title, "added_at": attachment.added_at,
                     "url": reverse("insurance:gop_attachment", args=[gop.public_id, kind, target.public_id])})
    return rows


def _gop_page(request, gop, *, status=200, **overrides):
    now = timezone.now()
    context = {
        "gop": gop, "patient": gop.patient, "events": list(gop.events.select_related("actor", "organisation")),
        "thread": list(gop.messages.select_related("author", "organisation")),
        "attachments": _attachments(gop), "valid": selectors.gop_valid(gop), "used": selectors.gop_used(gop),
        "extension": _extension_pending(gop),
        "overdue": gop.status in GuaranteeOfPayment.OPEN and gop.respond_by is not None and gop.respond_by < now,
        "claims": list(gop.claims.select_related("invoice")),
    }
    if gop.relation == "patient":
        context["family_claims"] = _family_claims(context["claims"])
        return render(request, "insurance/portal/gop.html", context, status=status)
    context["message_form"] = overrides.pop("message_form", None) or forms.MessageForm()
    if gop.relation == "insurer":
        context.update({
            "info_form": overrides.pop("info_form", None) or forms.InfoRequestForm(),
            "decision_form": overrides.pop("decision_form", None) or forms.DecisionForm(initial={
                "decision": "approve", "limit": gop.requested_amount}),
            "extension_form": overrides.pop("extension_form", None) or forms.ExtensionDecisionForm(
                initial={"approve": "yes"}, prefix="ext"),
            "error": overrides.pop("error", ""),
        })
        return render(request, "insurance/insurer/gop.html", context, status=status)
    user, hospital = request.user, gop.hospital
    reports, documents = _released_reports(hospital, gop.patient), _documents(gop.patient)
    invoices = _claimable_invoices(hospital, gop.patient)
    to_mark = [i for i in invoices if i.direct is None and not i.claimed]
    to_claim = [i for i in invoices if i.direct is not None and i.direct.gop_id == gop.pk and not i.claimed]
    context.update({
        "may_case": _may(user, hospital, CASE_ROLES), "may_billing": _may(user, hospital, BILLING_ROLES),
        "answer_form": overrides.pop("answer_form", None) or forms.AnswerForm(reports=reports, documents=documents),
        "extension_form": overrides.pop("extension_form", None) or forms.ExtensionRequestForm(),
        "cancel_form": overrides.pop("cancel_form", None) or forms.CancelForm(prefix="cancel"),
        "mark_form": overrides.pop("mark_form", None) or (
            forms.InvoiceChoiceForm(invoices=to_mark, prefix="mark") if to_mark else None),
        "claim_form": overrides.pop("claim_form", None) or (
            forms.InvoiceChoiceForm(invoices=to_claim, prefix="claim") if to_claim else None),
        "invoices": [i for i in invoices if i.direct is not None and i.direct.gop_id == gop.pk],
        "error": overrides.pop("error", ""),
        "cancellable": gop.status not in (GuaranteeOfPayment.Status.CANCELLED, GuaranteeOfPayment.Status.CLOSED)
        and not context["claims"],
    })
    return render(request, "insurance/hospital/gop.html", context, status=status)


@login_required
def gop_detail(request, public_id):
    """Show a GOP case to the hospital, to the insurer it is addressed to, or to the patient's family."""
    return _gop_page(request, _gop(request, public_id))


def _done(request, gop, message):
    messages.success(request, message)
    return redirect("insurance:gop", public_id=gop.public_id)


@login_required
@require_POST
def gop_answer(request, public_id):
    """The coordinator answers the insurer's question, attaching reports and documents."""
    gop = _hospital_gop(request, public_id)
    reports, documents = _released_reports(gop.hospital, gop.patient), _documents(gop.patient)
    form = forms.AnswerForm(request.POST, reports=reports, documents=documents)
    status = 400
    if form.is_valid():
        try:
            services.gop_info_provide(gop=gop, answer=form.cleaned_data["answer"], by=request.user,
                                      reports=_picked(reports, form.cleaned_data["reports"]),
                                      documents=_picked(documents, form.cleaned_data["documents"]),
                                      request=request)
        except CareBridgeError as exc:
            _add_error(form, exc)
            status = exc.status
        else:
            return _done(request, gop, _("Your answer is sent to the insurer."))
    return _gop_page(request, gop, answer_form=form, status=status)


@login_required
@require_POST
def gop_extension(request, public_id):
    """The coordinator asks the insurer to raise the limit."""
    gop = _hospital_gop(request, public_id)
    form = forms.ExtensionRequestForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.gop_extension_request(gop=gop, additional_amount=form.cleaned_data["additional_amount"],
                                           reason=form.cleaned_data["reason"], by=request.user, request=request)
        except CareBridgeError as exc:
            _add_error(form, exc)
            status = exc.status
        else:
            return _done(request, gop, _("The extension is asked of the insurer."))
    return _gop_page(request, gop, extension_form=form, status=status)


@login_required
@require_POST
def gop_cancel(request, public_id):
    """The coordinator withdraws the request."""
    gop = _hospital_gop(request, public_id)
    form = forms.CancelForm(request.POST, prefix="cancel")
    status = 400
    if form.is_valid():
        try:
            services.gop_cancel(gop=gop, by=request.user, reason=form.cleaned_data["reason"], request=request)
        except CareBridgeError as exc:
            _add_error(form, exc)
            status = exc.status
        else:
            return _done(request, gop, _("The request is cancelled."))
    return _gop_page(request, gop, cancel_form=form, status=status)


@login_required
@require_POST
def gop_message(request, public_id):
    """Either side leaves a message on the case."""
    gop = _gop(request, public_id, sides=("hospital", "insurer"))
    if gop.relation == "hospital" and not _may(request.user, gop.hospital, BILLING_ROLES):
        _not_found(request, "gop", public_id, reason="role")
    form = forms.MessageForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.case_message_post(gop=gop, body=form.cleaned_data["body"], by=request.user,
                                       organisation=gop.acting, request=request)
        except CareBridgeError as exc:
            _add_error(form, exc)
            status = exc.status
        else:
            return _done(request, gop, _("Your message is sent."))
    return _gop_page(request, gop, message_form=form, status=status)


@login_required
@require_POST
def gop_direct_billing(request, public_id):
    """Mark the stay's final invoice as billed to the insurer under this guarantee."""
    gop = _hospital_gop(request, public_id, roles=BILLING_ROLES)
    invoices = [i for i in _claimable_invoices(gop.hospital, gop.patient) if i.direct is None and not i.claimed]
    form = forms.InvoiceChoiceForm(request.POST, invoices=invoices, prefix="mark")
    if form.is_valid():
        invoice = next(i for i in invoices if str(i.public_id) == form.cleaned_data["invoice"])
        try:
            services.direct_billing_mark(invoice=invoice, gop=gop, by=request.user, request=request)
        except CareBridgeError as exc:
            return _gop_page(request, gop, mark_form=form, error=str(exc.message), status=exc.status)
        return _done(request, gop, _("Invoice %(number)s is billed to the insurer directly.")
                     % {"number": invoice.number})
    return _gop_page(request, gop, mark_form=form, status=400)


@login_required
@require_POST
def gop_claim(request, public_id):
    """Draft the claim of a direct-billed invoice: the insurer's and the patient's shares."""
    gop = _hospital_gop(request, public_id, roles=BILLING_ROLES)
    invoices = [i for i in _claimable_invoices(gop.hospital, gop.patient)
                if i.direct is not None and i.direct.gop_id == gop.pk and not i.claimed]
    form = forms.InvoiceChoiceForm(request.POST, invoices=invoices, prefix="claim")
    if form.is_valid():
        invoice = next(i for i in invoices if str(i.public_id) == form.cleaned_data["invoice"])
        try:
            claim = services.claim_create(invoice=invoice, by=request.user, request=request)
        except CareBridgeError as exc:
            return _gop_page(request, gop, claim_form=form, error=str(exc.message), status=exc.status)
        messages.success(request, _("Claim %(number)s is drafted. Check it, then submit it.")
                         % {"number": claim.number})
        return redirect("insurance:claim", public_id=claim.public_id)
    return _gop_page(request, gop, claim_form=form, status=400)


def _insurer_gop(request, public_id):
    return _gop(request, public_id, sides=("insurer",))


@login_required
@require_POST
def gop_ask(request, public_id):
    """The case manager asks the hospital for information."""
    gop = _insurer_gop(request, public_id)
    form = forms.InfoRequestForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.gop_info_request(gop=gop, question=form.cleaned_data["question"], by=request.user,
                                      organisation=gop.acting, request=request)
        except NotFound:
            raise Http404 from None
        except CareBridgeError as exc:
            _add_error(form, exc)
            status = exc.status
        else:
            return _done(request, gop, _("Your question is sent to the hospital."))
    return _gop_page(request, gop, info_form=form, status=status)


@login_required
@require_POST
def gop_decide(request, public_id):
    """The case manager approves with a limit and conditions, approves in part, or denies with a reason."""
    gop = _insurer_gop(request, public_id)
    form = forms.DecisionForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            decided = services.gop_decide(gop=gop, by=request.user, organisation=gop.acting, request=request,
                                          **form.service_kwargs())
        except NotFound:
            raise Http404 from None
        except CareBridgeError as exc:
            _add_error(form, exc)
            status = exc.status
        else:
            return _done(request, gop, _("Your decision is recorded: %(status)s.")
                         % {"status": decided.get_status_display()})
    return _gop_page(request, gop, decision_form=form, status=status)


@login_required
@require_POST
def gop_extension_decide(request, public_id):
    """The case manager raises the limit by the amount asked (or less), or refuses with a reason."""
    gop = _insurer_gop(request, public_id)
    form = forms.ExtensionDecisionForm(request.POST, prefix="ext")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.gop_extension_decide(gop=gop, approve=data["approve"] == "yes", by=request.user,
                                          organisation=gop.acting, amount=data["amount"] or None,
                                          reason=data["reason"], request=request)
        except NotFound:
            raise Http404 from None
        except CareBridgeError as exc:
            _add_error(form, exc)
            status = exc.status
        else:
            return _done(request, gop, _("Your decision on the extension is recorded."))
    return _gop_page(request, gop, extension_form=form, status=status)


@login_required
def gop_attachment(request, public_id, kind, document_id):
    """Open a document sent with a request (the hospital and the insurer only); every opening is audited."""
    gop = _gop(request, public_id, sides=("hospital", "insurer"))
    lookup = {"report": "report__public_id", "document": "patient_document__public_id"}.get(kind)
    attachment = None
    if lookup and is_uuid(str(document_id)):
        attachment = gop.attachments.select_related("report", "patient_document").filter(
            **{lookup: document_id}).first()
    if attachment is None:
        _not_found(request, "gop_attachment", document_id)
    audit_record(action="gop_attachment.read", actor=request.user, request=request, organisation=gop.acting,
                 object_type="gop_attachment", object_id=document_id, patient_public_id=gop.patient.public_id,
                 purpose="insurance", details={"gop": str(gop.public_id), "kind": kind, "as": gop.relation})
    if kind == "document":
        document = attachment.patient_document
        response = FileResponse(document.file.open("rb"), content_type=document.content_type)
        response["Content-Disposition"] = f'inline; filename="{document.public_id}"'
    else:
        report = attachment.report
        response = render(request, "insurance/report_attachment.html", {
            "gop": gop, "report": report, "results": list(report.observations.all())})
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Claims ---------------------------------------------------------------------------------------------------------


def _family_claims(claims):
    from carebridge.billing.selectors import invoice_balance

    for claim in claims:
        claim.due = invoice_balance(claim.invoice)
    return claims


def _claim_page(request, claim, *, status=200, **overrides):
    lines = list(claim.lines.all())
    context = {"claim": claim, "patient": claim.patient, "lines": lines, "invoice": claim.invoice,
               "payments": list(claim.payments.select_related("payment").order_by("created_at")),
               "error": overrides.pop("error", "")}
    if claim.relation == "patient":
        from carebridge.billing.selectors import invoice_balance

        context["due"] = invoice_balance(claim.invoice)
        return render(request, "insurance/portal/claim.html", context, status=status)
    if claim.relation == "insurer":
        context["form"] = overrides.pop("form", None) or forms.AdjudicationForm(lines=lines)
        return render(request, "insurance/insurer/claim.html", context, status=status)
    from carebridge.billing.selectors import invoice_balance

    context.update({
        "may_billing": _may(request.user, claim.hospital, BILLING_ROLES), "due": invoice_balance(claim.invoice),
        "may_cashier": _may(request.user, claim.hospital, (Role.CASHIER, Role.MANAGER)),
        "remittance_form": overrides.pop("remittance_form", None) or forms.RemittanceForm(
            initial={"amount": claim.approved - claim.paid}),
    })
    return render(request, "insurance/hospital/claim.html", context, status=status)


@login_required
def claim_detail(request, public_id):
    """Show a claim to the hospital, to the insurer once submitted, or to the patient's family."""
    return _claim_page(request, _claim(request, public_id))


def _hospital_claim(request, public_id):
    claim = _claim(request, public_id, sides=("hospital",))
    if not _may(request.user, claim.hospital, BILLING_ROLES):
        _not_found(request, "claim", public_id, reason="role")
    return claim


@login_required
@require_POST
def claim_submit(request, public_id):
    """Send the draft claim to the insurer."""
    claim = _hospital_claim(request, public_id)
    try:
        services.claim_submit(claim=claim, by=request.user, request=request)
    except CareBridgeError as exc:
        return _claim_page(request, claim, error=str(exc.message), status=exc.status)
    messages.success(request, _("The claim is submitted to %(insurer)s.") % {"insurer": claim.payer.name})
    return redirect("insurance:claim", public_id=claim.public_id)


@login_required
@require_POST
def claim_remittance(request, public_id):
    """Record the insurer's payment against the claim (once per remittance reference)."""
    claim = _hospital_claim(request, public_id)
    form = forms.RemittanceForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.claim_payment_record(claim=claim, amount=form.cleaned_data["amount"],
                                          remittance_reference=form.cleaned_data["remittance_reference"],
                                          by=request.user, request=request)
        except CareBridgeError as exc:
            _add_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("The insurer's payment is recorded on the invoice."))
            return redirect("insurance:claim", public_id=claim.public_id)
    return _claim_page(request, claim, remittance_form=form, status=status)


@login_required
@require_POST
def claim_adjudicate(request, public_id):
    """The case manager decides each line: approved, approved in part or denied, with reasons."""
    claim = _claim(request, public_id, sides=("insurer",))
    form = forms.AdjudicationForm(request.POST, lines=list(claim.lines.all()))
    status = 400
    if form.is_valid():
        try:
            services.claim_adjudicate(claim=claim, decisions=form.decisions(), by=request.user,
                                      organisation=claim.acting, request=request)
        except NotFound:
            raise Http404 from None
        except CareBridgeError as exc:
            status = exc.status
            return _claim_page(request, claim, form=form, error=str(exc.message), status=status)
        messages.success(request, _("Your decision on the claim is recorded."))
        return redirect("insurance:claim", public_id=claim.public_id)
    return _claim_page(request, claim, form=form, status=status)


# --- The insurer's portal ---------------------------------------------------------------------------------------------


def _insurer(request):
    organisations = insurer_organisations(request.user)
    if not organisations:
        _not_found(request, "insurer_portal", request.path, reason="role")
    return organisations


@login_required
def insurer_home(request):
    """The case manager's GOP queue: open cases by deadline (overdue first), then the ones decided lately."""
    organisations = _insurer(request)
    gops = list(selectors.gops_for_insurer(organisations=organisations)[:500])
    now = timezone.now()
    for gop in gops:
        gop.overdue = gop.status in GuaranteeOfPayment.OPEN and gop.respond_by is not None and gop.respond_by < now
    waiting = sorted([g for g in gops if g.status in GuaranteeOfPayment.OPEN],
                     key=lambda g: (g.respond_by or now + dt.timedelta(days=3650)))
    decided = [g for g in gops if g.status not in GuaranteeOfPayment.OPEN][:100]
    extensions = [g for g in gops if g.status in GuaranteeOfPayment.VALID and _extension_pending(g)]
    audit_record_reads(actor=request.user, request=request, organisation=organisations[0], purpose="insurance",
                       patients=list({g.patient.pk: g.patient for g in waiting + decided}.values()))
    return render(request, "insurance/insurer/home.html", {
        "organisations": organisations, "waiting": waiting, "decided": decided, "extensions": extensions})


@login_required
def insurer_claims(request):
    """The case manager's claims: the ones waiting for a decision first."""
    organisations = _insurer(request)
    claims = list(selectors.claims_for_insurer(organisations=organisations)[:500])
    waiting = [c for c in claims if c.status == Claim.Status.SUBMITTED]
    others = [c for c in claims if c.status != Claim.Status.SUBMITTED]
    audit_record_reads(actor=request.user, request=request, organisation=organisations[0], purpose="insurance",
                       patients=list({c.patient.pk: c.patient for c in claims}.values()))
    return render(request, "insurance/insurer/claims.html", {
        "organisations": organisations, "waiting": waiting, "others": others})


# --- The family ---------------------------------------------------------------------------------------------------------


@login_required
def portal_home(request):
    """What the family's insurer has guaranteed and paid, why direct billing does or does not apply, what is left."""
    patients = list(portal_patients(request.user))
    records = []
    for patient in patients:
        audit_record(action="insurance_account.read", actor=request.user, request=request, object_type="patient",
                     object_id=patient.public_id, patient_public_id=patient.public_id, purpose="insurance",
                     details={"as": "self" if patient.account_id == request.user.pk else "guardian"})
        hospitals = [mrn.hospital for mrn in patient.record_numbers.select_related("hospital")]
        policies = _policies(patient)
        for policy in policies:
            policy.by_hospital = [{"hospital": h, "answers": _eligibility(policy, h, user=request.user,
                                                                          request=request)} for h in hospitals]
        records.append({
            "patient": patient, "policies": policies,
            "gops": list(patient.guarantees.exclude(status=GuaranteeOfPayment.Status.DRAFT)
                         .select_related("payer", "hospital")),
            "claims": _family_claims(list(patient.claims.exclude(status=Claim.Status.DRAFT)
                                          .select_related("payer", "invoice", "hospital"))),
        })
    return render(request, "insurance/portal/home.html", {"records": records})


# --- Figures --------------------------------------------------------------------------------------------------------


@login_required
def figures(request):
    """Direct-billed versus self-paid invoices by insurer and month for a year; ?format=csv downloads them."""
    hospital = _hospital(request, FIGURES_ROLES)
    form = forms.FiguresForm(request.GET or None)
    year = form.year_or_current()
    data = selectors.direct_billing_figures(hospital=hospital, year=year)
    audit_record(action="insurance.figures", actor=request.user, request=request, organisation=hospital,
                 object_type="hospital", object_id=hospital.public_id, purpose="statistics",
                 details={"year": year})
    zero = {"count": 0, "amount": 0}
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="direct-billing-{hospital.slug}-{year}.csv"'
        writer = csv.writer(response)
        writer.writerow([_("Paid by"), *[f"{year}-{m:02d}" for m in data["months"]], _("Total (CNY)"),
                         _("Invoices")])
        for row in data["rows"]:
            writer.writerow([row["insurer"], *[row["months"].get(m, zero)["amount"] for m in data["months"]],
                             row["total"], row["count"]])
        writer.writerow([_("Self-paid"), *[data["self_paid"].get(m, zero)["amount"] for m in data["months"]],
                         data["self_paid_total"], sum(c["count"] for c in data["self_paid"].values())])
        return response
    rows = [{"name": row["insurer"], "cells": [row["months"].get(m, zero) for m in data["months"]],
             "total": row["total"], "count": row["count"]} for row in data["rows"]]
    self_paid = {"name": _("Self-paid"), "cells": [data["self_paid"].get(m, zero) for m in data["months"]],
                 "total": data["self_paid_total"], "count": sum(c["count"] for c in data["self_paid"].values())}
    month_names = [dt.date(year, m, 1) for m in data["months"]]
    return render(request, "insurance/figures.html", {
        "hospital": hospital, "year": year, "form": form, "rows": rows, "self_paid": self_paid,
        "months": month_names, "direct_total": data["direct_total"], "self_paid_total": data["self_paid_total"],
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 6, -1))})
