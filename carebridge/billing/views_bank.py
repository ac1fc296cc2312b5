"""Pages of the bank, reconciliation and billing PDFs: the cashier imports statements and works the queue of
unmatched credits, reads the reconciliation report (or downloads it as CSV); patients, guardians and cashiers
download invoices, credit notes and receipts as PDFs."""

import datetime as dt
import zoneinfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carebridge.billing import bank, reconciliation
from carebridge.billing import documents as billing_documents
from carebridge.billing.access import cashier_hospitals, invoice_get_for_user, payment_get_for_user
from carebridge.billing.models import Invoice
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.documents.selectors import document_file_response, document_progress


class StatementForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Statement file (CSV or camt.053 XML)"))


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))


def cashier_hospital(request):
    """Return the hospital the cashier works at (chosen by ?hospital= when several); 404 for anyone else."""
    hospitals = cashier_hospitals(request.user)
    wanted = request.GET.get("hospital") or request.POST.get("hospital")
    for hospital in hospitals:
        if not wanted or str(hospital.public_id) == wanted:
            return hospital
    raise Http404


def _hospital_today(hospital):
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(hospital.time_zone))


# --- Bank statements and the queue ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def bank_home(request):
    """Import a statement and show the credits waiting for the cashier."""
    hospital = cashier_hospital(request)
    form = StatementForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                summary = bank.bank_statement_import(hospital=hospital, filename=upload.name,
                                                     data=upload.read(bank.MAX_FILE_BYTES + 1),
                                                     imported_by=request.user, request=request)
            except CareBridgeError as exc:
                where = exc.details.get("line") or exc.details.get("element")
                form.add_error("file", str(exc.message) if not where or str(where) in str(exc.message)
                               else f"{exc.message} ({where})")
            else:
                messages.success(request, _("%(lines)s credits imported: %(matched)s matched, %(unmatched)s to "
                                            "check, %(skipped)s already imported.") % summary)
                return redirect(f"{reverse('billing:bank_home')}?hospital={hospital.public_id}")
        status = 400
    return render(request, "billing/bank/home.html", {
        "hospital": hospital, "hospitals": cashier_hospitals(request.user), "form": form,
        "lines": bank.unmatched_lines(hospital=hospital), "statements": bank.statements_at(hospital=hospital)[:20],
    }, status=status)


@login_required
@require_POST
def bank_line_action(request):
    """Match a waiting credit to an invoice (by its number) or a patient's deposit, or ignore it with a reason."""
    hospital = cashier_hospital(request)
    back = f"{reverse('billing:bank_home')}?hospital={hospital.public_id}"
    try:
        line = bank.bank_line_get(hospital=hospital, statement_id=request.POST.get("statement", ""),
                                  bank_reference=request.POST.get("bank_reference", ""))
        action = request.POST.get("action")
        if action == "ignore":
            bank.bank_line_ignore(line=line, reason=request.POST.get("reason", ""), ignored_by=request.user,
                                  request=request)
            messages.success(request, _("The credit is set aside."))
        elif action == "invoice":
            number = request.POST.get("invoice_number", "").strip().upper()
            invoice = Invoice.objects.filter(hospital=hospital, number=number, kind=Invoice.Kind.INVOICE).first()
            if invoice is None:
                raise NotFound(_("No invoice of this hospital has the number %(number)s.") % {"number": number})
            bank.bank_line_match(line=line, invoice=invoice, matched_by=request.user, request=request)
            messages.success(request, _("The credit is recorded as a payment of invoice %(number)s.")
                             % {"number": invoice.number})
        elif action == "deposit":
            from carebridge.patients.models import MedicalRecordNumber

            record = request.POST.get("record_number", "").strip()
            mrn = MedicalRecordNumber.objects.select_related("patient").filter(hospital=hospital,
                                                                               number=record).first()
            if mrn is None:
                raise NotFound(_("No patient of this hospital has the record number %(number)s.")
                               % {"number": record})
            bank.bank_line_match(line=line, patient=mrn.patient, matched_by=request.user, request=request)
            messages.success(request, _("The credit is recorded as a deposit of %(name)s.")
                             % {"name": mrn.patient.display_name})
        else:
            raise NotFound()
    except CareBridgeError as exc:
        messages.error(request, str(exc.message))
        return redirect(back)
    return redirect(back)


# --- Reconciliation ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def reconciliation_page(request):
    """Show the reconciliation per day and channel for a period (the last 7 days by default), or its CSV."""
    hospital = cashier_hospital(request)
    today = _hospital_today(hospital)
    data = request.GET if "date_from" in request.GET else {"date_from": today - dt.timedelta(days=6),
                                                           "date_to": today}
    form = PeriodForm(data)
    report, status = None, 200
    if form.is_valid():
        try:
            report = reconciliation.reconciliation_report(hospital=hospital, **form.cleaned_data)
        except CareBridgeError as exc:
            form.add_error(None, str(exc.message))
            status = 400
    else:
        status = 400
    if report is not None and request.GET.get("format") == "csv":
        response = HttpResponse(reconciliation.reconciliation_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (f'attachment; filename="reconciliation-{hospital.slug}-'
                                           f'{report["date_from"]}-{report["date_to"]}.csv"')
        return response
    return render(request, "billing/reconciliation/report.html", {
        "hospital": hospital, "hospitals": cashier_hospitals(request.user), "form": form, "report": report,
        "csv_query": request.GET.urlencode() or f"date_from={data['date_from']}&date_to={data['date_to']}",
    }, status=status)


# --- PDFs ----------------------------------------------------------------------------------------------------------


def _document_response(request, document, *, page_title):
    """Stream a ready PDF (audited), show its progress while it is prepared, or the progress partial for htmx."""
    if document.status == document.Status.READY and request.GET.get("progress") != "1":
        billing_documents.billing_document_read_audit(document=document, user=request.user, request=request)
        return document_file_response(document, filename=f"{document.title.replace(' ', '-')}.pdf")
    context = {"document": document, "progress": document_progress(document),
               "progress_url": f"{request.path}?progress=1", "download_url": request.path, "page_title": page_title}
    if request.GET.get("progress") == "1":
        return render(request, "documents/progress.html", context)
    return render(request, "billing/documents/preparing.html", context)


@login_required
@require_GET
def invoice_pdf(request, public_id):
    """Give the patient, a guardian or the cashier the invoice (or credit note) as a bilingual PDF."""
    try:
        invoice = invoice_get_for_user(user=request.user, public_id=public_id, request=request)
        document = billing_documents.invoice_document(invoice=invoice, requested_by=request.user, request=request)
    except NotFound:
        raise Http404 from None
    except CareBridgeError as exc:
        return HttpResponse(str(exc.message), status=exc.status, content_type="text/plain; charset=utf-8")
    return _document_response(request, document, page_title=invoice.number)


@login_required
@require_GET
def receipt_pdf(request, public_id):
    """Give the patient, a guardian or the cashier a payment's receipt as a bilingual PDF."""
    try:
        payment = payment_get_for_user(user=request.user, public_id=public_id, request=request)
        document = billing_documents.receipt_document(payment=payment, requested_by=request.user, request=request)
    except NotFound:
        raise Http404 from None
    return _document_response(request, document, page_title=_("Payment receipt"))

