"""Job handlers: render a requested document in the background."""

from carebridge.core.jobs import job_handler
from carebridge.documents.models import Document
from carebridge.documents.services import RENDER_JOB, document_render


@job_handler(RENDER_JOB)
def document_render_job(*, document_id, base_url=None):
    """Render one document; safe to repeat (a ready document is left as it is)."""
    document = Document.objects.select_related("issuer").filter(pk=document_id).first()
    if document is None:
        return
    document_render(document=document, base_url=base_url)
