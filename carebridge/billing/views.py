"""Pages of billing: the patient's account, estimates and invoices in the portal; the cashier's desk."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def portal_account(request):
    """Show the patient's balance and history (page built in the pages work)."""
    return HttpResponse(status=501)


@login_required
def portal_estimate(request, public_id):
    """Show a sent estimate (page built in the pages work)."""
    return HttpResponse(status=501)


@login_required
def portal_invoice(request, public_id):
    """Show an invoice (page built in the pages work)."""
    return HttpResponse(status=501)
