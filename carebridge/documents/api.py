"""API of document verification: public, JSON, the same facts as the verification page."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from carebridge.core.schemas import ErrorOut
from carebridge.documents.services import document_verify
from carebridge.documents.throttle import verification_allowed

router = Router(tags=["documents"])


class IssuerOut(Schema):
    id: str
    name: str
    name_local: str


class VerificationOut(Schema):
    genuine: bool
    code: str
    issuer: IssuerOut
    kind: str
    title: str
    issued_at: dt.datetime
    content_sha256: str
    pdf_sha256: str


@router.get("/verify/{code}", response={200: VerificationOut, 404: ErrorOut, 429: ErrorOut}, auth=None,
            summary="Verify a printed document's code")
def verify(request, code: str):
    """Tell whether a verification code belongs to a document issued here, with its hashes; no health data."""
    if not verification_allowed(request):
        return Status(429, {"code": "too_many_requests", "message": _("Too many checks; try again later."),
                            "details": {}})
    document = document_verify(code=code, request=request)
    if document is None:
        return Status(404, {"code": "document_not_genuine",
                            "message": _("No document was issued with this code: it is not genuine."),
                            "details": {}})
    return {
        "genuine": True,
        "code": document.verification_code,
        "issuer": {"id": str(document.issuer.public_id), "name": document.issuer.name,
                   "name_local": document.issuer.name_local},
        "kind": document.kind,
        "title": document.title,
        "issued_at": document.issued_at,
        "content_sha256": document.content_sha256,
        "pdf_sha256": document.sha256,
    }
