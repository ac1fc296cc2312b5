"""The payer directory as a hospital sees it: insurers, TPAs and assistance companies, with its agreements."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from carebridge.accounts.access import deny
from carebridge.accounts.models import Organisation, OrganisationKind
from carebridge.core.errors import NotFound
from carebridge.insurance.access import insurance_hospitals
from carebridge.insurance.models import DirectBillingAgreement


def payer_directory(*, hospital):
    """Return the payers with their profile and this hospital's agreements with each, by name."""
    payers = list(Organisation.objects.filter(kind=OrganisationKind.INSURER).select_related(
        "payer_profile", "payer_profile__administered_by").order_by("name"))
    agreements = {}
    for agreement in DirectBillingAgreement.objects.filter(hospital=hospital).order_by("-valid_from"):
        agreements.setdefault(agreement.payer_id, []).append(agreement)
    for payer in payers:
        payer.profile = getattr(payer, "payer_profile", None)
        payer.hospital_agreements = agreements.get(payer.pk, [])
    return payers


@login_required
def payers(request):
    """List the payers, their contacts and claim channel, and the hospital's direct billing agreements."""
    hospitals = insurance_hospitals(request.user)
    if not hospitals:
        try:
            deny(user=request.user, request=request, object_type="payer_directory", object_id="", reason="role")
        except NotFound:
            raise Http404 from None
    hospital = hospitals[0]
    return render(request, "insurance/hospital/payers.html",
                  {"hospital": hospital, "payers": payer_directory(hospital=hospital)})
