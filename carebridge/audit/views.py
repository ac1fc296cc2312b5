"""The patient's consents page: see each consent given, give the missing ones, withdraw any."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carebridge.audit.access import consent_get_for_user
from carebridge.audit.consent_texts import CONSENT_TEXTS
from carebridge.audit.models import ConsentKind
from carebridge.audit.selectors import consents_of
from carebridge.audit.services import consent_give, consent_withdraw
from carebridge.core.errors import CareBridgeError, NotFound


@login_required
def consent_list(request):
    """List the user's consents, active and withdrawn, and the kinds not given yet."""
    consents = list(consents_of(subject_public_ids=[request.user.public_id]))
    active_kinds = {c.kind for c in consents if c.is_active}
    missing = [ConsentKind(kind) for kind in CONSENT_TEXTS if kind not in active_kinds]
    return render(request, "audit/consent_list.html", {"consents": consents, "missing": missing})


@login_required
@require_POST
def consent_give_view(request):
    """Give one consent, in the language of the page."""
    kind = request.POST.get("kind", "")
    if kind not in ConsentKind.values:
        messages.error(request, _("Unknown kind of consent."))
        return redirect("audit:consent_list")
    try:
        consent_give(subject_public_id=request.user.public_id, kind=kind, given_by=request.user,
                     language=request.LANGUAGE_CODE, request=request)
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you. Your consent is recorded."))
    return redirect("audit:consent_list")


@login_required
@require_POST
def consent_withdraw_view(request, public_id):
    """Withdraw one consent."""
    try:
        consent = consent_get_for_user(user=request.user, public_id=public_id, request=request)
        consent_withdraw(consent=consent, withdrawn_by=request.user, request=request)
    except NotFound:
        raise Http404 from None
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your consent is withdrawn."))
    return redirect("audit:consent_list")
