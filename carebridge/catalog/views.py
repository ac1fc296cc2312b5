"""Catalog pages: a hospital's services with prices in the viewer's currency, one service, and the rates staff keep."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carebridge.catalog import selectors
from carebridge.catalog.access import rate_keeper_require
from carebridge.catalog.forms import CurrencyForm, RateEntryForm, RateFileForm, ServiceFilterForm
from carebridge.catalog.models import Service
from carebridge.catalog.presenters import duration_text, format_rate, rate_sentence, service_row
from carebridge.catalog.services import exchange_rate_enter, exchange_rates_import
from carebridge.core.errors import CareBridgeError, NotFound

SESSION_CURRENCY = "catalog_currency"


def _viewer_rate(request):
    """Return (currencies offered, chosen currency, RateInfo or None, error message or '').

    A `currency` query parameter chooses and is remembered in the session; otherwise the remembered one; CNY by default.
    """
    currencies = selectors.known_currencies()
    asked = request.GET.get("currency", "").strip().upper()[:3]
    chosen = request.session.get(SESSION_CURRENCY, selectors.HOME)
    error = ""
    if asked:
        try:
            info = selectors.rate_for(asked)
        except CareBridgeError as exc:
            error = str(exc.message)
        else:
            request.session[SESSION_CURRENCY] = chosen = asked
            return currencies, chosen, info, error
    try:
        info = selectors.rate_for(chosen)
    except CareBridgeError:
        request.session.pop(SESSION_CURRENCY, None)
        chosen, info = selectors.HOME, selectors.rate_for(selectors.HOME)
    return currencies, chosen, info, error


def hospital_list(request):
    """List the hospitals whose services can be browsed."""
    return render(request, "catalog/hospital_list.html", {"hospitals": selectors.hospital_list()})


def service_list(request, hospital_slug):
    """List a hospital's services by kind, in the visitor's language, with prices in CNY and the chosen currency."""
    hospital = selectors.hospital_by(slug=hospital_slug)
    if hospital is None:
        raise Http404
    currencies, currency, info, rate_error = _viewer_rate(request)
    departments = list(selectors.department_list(hospital=hospital))
    data = {"kind": request.GET.get("kind", ""), "department": request.GET.get("department", ""),
            "currency": currency}
    form = ServiceFilterForm(data, departments=departments, currencies=currencies)
    form.is_valid()
    kind = form.cleaned_data.get("kind") or None
    department = form.cleaned_data.get("department") or None
    groups = []
    for service in selectors.service_list(hospital=hospital, kind=kind, department=department):
        if not groups or groups[-1]["kind"] != service.kind:
            groups.append({"kind": service.kind, "label": Service.Kind(service.kind).label, "rows": []})
        groups[-1]["rows"].append(service_row(service, info))
    return render(request, "catalog/service_list.html", {
        "hospital": hospital, "form": form, "groups": groups, "currency": currency,
        "rate_note": rate_sentence(info), "rate_error": rate_error,
    })


def service_detail(request, public_id):
    """Show one service: what it is, how to prepare, its price, and a package's stations in order."""
    service = selectors.service_get(public_id=public_id)
    if service is None:
        raise Http404
    currencies, currency, info, rate_error = _viewer_rate(request)
    stations = [{"order": s.order, "name": s.translated("name"), "area": s.get_area_display(),
                 "area_code": s.area, "duration": duration_text(s.duration_minutes)}
                for s in service.stations.all()]
    return render(request, "catalog/service_detail.html", {
        "row": service_row(service, info), "service": service, "hospital": service.hospital, "stations": stations,
        "currency_form": CurrencyForm({"currency": currency}, currencies=currencies), "currency": currency,
        "rate_note": rate_sentence(info), "rate_error": rate_error,
    })


def _rates_page(request, *, upload_form=None, entry_form=None, status=200):
    rates = [{"currency": r.currency, "rate": format_rate(r.rate), "date": r.date, "source": r.source,
              "base": r.base} for r in selectors.latest_rates()]
    return render(request, "catalog/exchange_rates.html", {
        "rates": rates, "upload_form": upload_form or RateFileForm(), "entry_form": entry_form or RateEntryForm(),
    }, status=status)


def _keeper_or_404(request):
    try:
        rate_keeper_require(user=request.user, request=request)
    except NotFound:
        raise Http404 from None


@login_required
def exchange_rates(request):
    """Show the latest rates, with the upload and the single-rate forms (rate keepers only)."""
    _keeper_or_404(request)
    return _rates_page(request)


@login_required
@require_POST
def exchange_rates_upload(request):
    """Import an ECB-style XML or CSV file; a bad file is refused whole, with the problem named."""
    _keeper_or_404(request)
    form = RateFileForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = exchange_rates_import(content=upload.read(), filename=upload.name,
                                           source=form.cleaned_data["source"], imported_by=request.user,
                                           request=request)
        except CareBridgeError as exc:
            form.add_error("file", str(exc.message))
        else:
            messages.success(request, _("Rates imported for %(dates)s: %(created)s new, %(updated)s changed, "
                                        "%(unchanged)s already up to date.") % {
                "dates": ", ".join(d.isoformat() for d in result.dates), "created": result.created,
                "updated": result.updated, "unchanged": result.unchanged})
            return redirect(reverse("catalog:exchange_rates"))
    return _rates_page(request, upload_form=form, status=400)


@login_required
@require_POST
def exchange_rate_add(request):
    """Record one rate typed by staff (source manual)."""
    _keeper_or_404(request)
    form = RateEntryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            exchange_rate_enter(date=data["date"], base=data["base"], currency=data["currency"], rate=data["rate"],
                                entered_by=request.user, request=request)
        except CareBridgeError as exc:
            if exc.details and all(key in form.fields and isinstance(errors, list)
                                   for key, errors in exc.details.items()):
                for key, errors in exc.details.items():
                    for error in errors:
                        form.add_error(key, str(error))
            else:
                form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The rate is saved."))
            return redirect(reverse("catalog:exchange_rates"))
    return _rates_page(request, entry_form=form, status=400)
