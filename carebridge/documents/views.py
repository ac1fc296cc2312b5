"""The public verification pages: anyone holding a printed document can check it, without signing in."""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from carebridge.documents.codes import code_normalise
from carebridge.documents.services import document_verify
from carebridge.documents.throttle import verification_allowed


@require_GET
@never_cache
def verify_form(request):
    """Show the form to type a code; a typed code goes to its own page."""
    typed = request.GET.get("code", "").strip()
    if typed:
        code = code_normalise(typed)
        if code is not None:
            return redirect("documents:verify_code", code=code)
        return render(request, "documents/verify.html", {"typed": typed[:40], "invalid": True}, status=400)
    return render(request, "documents/verify.html", {"typed": ""})


@require_GET
@never_cache
def verify_code(request, code):
    """Tell whether a code belongs to a document issued here; never show health data or the patient's name."""
    if not verification_allowed(request):
        return render(request, "documents/verify_throttled.html", status=429)
    document = document_verify(code=code, request=request)
    if document is None:
        return render(request, "documents/verify_not_found.html", {"typed": code[:40]}, status=404)
    return render(request, "documents/verify_result.html", {"document": document})
