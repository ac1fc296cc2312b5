"""Who may see and revoke a share link: the patient and guardians who hold the record; the link itself for readers."""

from carebridge.accounts.access import deny
from carebridge.audit.services import audit_record
from carebridge.core.ids import is_uuid
from carebridge.interop.sharing.models import ShareLink
from carebridge.patients.access import patient_get_for_user
from carebridge.patients.selectors import portal_patients


def share_link_get_for_user(*, user, public_id, request=None, manage=False):
    """Return a link of a record the user holds (as patient or guardian), auditing the look; NotFound otherwise."""
    link = None
    if getattr(user, "is_authenticated", False) and is_uuid(public_id):
        link = ShareLink.objects.select_related("patient").filter(
            public_id=public_id, patient__in=portal_patients(user)).first()
    if link is None:
        deny(user=user, request=request, object_type="share_link", object_id=public_id, reason="not_holder")
    if manage:
        # A guardian who may only view the child's record may not change its links.
        patient_get_for_user(user=user, public_id=link.patient.public_id, request=request, manage=True,
                             purpose="share-link")
    audit_record(action="share_link.read", actor=user, request=request, object_type="share_link",
                 object_id=link.public_id, patient_public_id=link.patient.public_id, purpose="share-link")
    return link


def share_link_by_token(token):
    """Return the link a URL token names, or None."""
    if not token or len(token) > 64:
        return None
    return ShareLink.objects.select_related("patient").filter(token=token).first()
