"""Reads of referrals: incoming and outgoing lists of a hospital, a record's referrals, and the attached records."""

from carebridge.interop.referrals.models import Referral
from carebridge.interop.sharing.selectors import shareable_documents

DETAILS = ("patient", "from_hospital", "to_hospital", "requested_by", "decided_by")


def referrals_incoming(hospitals):
    """Return the referrals sent to the given hospitals: waiting ones first, most urgent first, newest first."""
    return Referral.objects.filter(to_hospital__in=hospitals).select_related(*DETAILS).order_by("-created_at")


def referrals_outgoing(hospitals):
    """Return the referrals the given hospitals sent, newest first."""
    return Referral.objects.filter(from_hospital__in=hospitals).select_related(*DETAILS).order_by("-created_at")


def referrals_of_patients(patients):
    """Return the referrals of the given records, newest first."""
    return Referral.objects.filter(patient__in=patients).select_related(*DETAILS).order_by("-created_at")


def referral_documents(referral):
    """Return the documents attached to a referral that are still the patient's and ready."""
    rows = {str(doc.public_id): doc
            for doc in shareable_documents(referral.patient).filter(public_id__in=referral.document_ids)}
    return [rows[value] for value in referral.document_ids if value in rows]


def referral_ips(referral, *, language, request=None):
    """Build the patient's IPS as the referring hospital sends it (audited by the IPS export)."""
    from carebridge.interop.ips.export import ips_bundle_build

    return ips_bundle_build(patient=referral.patient, language=language, requested_by=referral.from_hospital,
                            request=request, purpose="referral")
