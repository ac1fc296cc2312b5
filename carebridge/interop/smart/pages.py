"""SMART pages: a hospital's admins and coordinators register and revoke clients; patients and guardians issue,
see and revoke their apps' access; and the consent screen of the authorisation code flow (SMART App Launch)."""

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from carebridge.accounts.access import deny
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.core.forms import form_add_service_errors
from carebridge.interop.fhir_search import base_url
from carebridge.interop.smart import services
from carebridge.interop.smart.forms import AppTokenForm, ClientForm, ConsentForm, scope_label
from carebridge.interop.smart.models import SmartClient
from carebridge.patients.selectors import portal_patients


def _admin_hospitals(request):
    hospitals = services.client_admin_hospitals(request.user)
    if not hospitals:
        try:
            deny(user=request.user, request=request, object_type="view", object_id=request.path, reason="role")
        except NotFound:
            raise Http404 from None
    return hospitals


def _with_labels(scopes):
    return [{"scope": scope, "label": scope_label(scope)} for scope in scopes]


@login_required
@never_cache
def client_list(request):
    """List the clients of the hospitals the user administers, and register a new one."""
    hospitals = _admin_hospitals(request)
    form = ClientForm(request.POST or None, hospitals=hospitals)
    if request.method == "POST" and form.is_valid():
        try:
            client, secret = services.smart_client_register(
                organisation=form.cleaned_data["hospital"], name=form.cleaned_data["name"],
                auth_method=form.cleaned_data["auth_method"], allowed_scopes=form.cleaned_data["allowed_scopes"],
                jwks=form.cleaned_data["jwks"], redirect_uris=form.redirect_uri_list(), registered_by=request.user,
                request=request)
        except CareBridgeError as exc:
            form_add_service_errors(form, exc)
        else:
            # Rendered, not redirected: the secret is shown this once and stored only as a hash.
            return render(request, "interop/smart/client_created.html", {
                "client": client, "secret": secret, "scopes": _with_labels(client.allowed_scopes),
                "token_url": request.build_absolute_uri("/oauth/token"),
                "authorize_url": request.build_absolute_uri("/oauth/authorize"), "fhir_base": base_url(request)})
    clients = SmartClient.objects.filter(organisation__in=hospitals).select_related("organisation").order_by(
        "revoked_at", "-created_at")
    return render(request, "interop/smart/clients.html", {
        "form": form, "hospitals": hospitals,
        "clients": [{"client": c, "scopes": _with_labels(c.allowed_scopes)} for c in clients],
        "tokens": services.system_tokens_of(request.user)})


@login_required
@require_POST
def client_revoke(request, public_id):
    """Revoke a client and every token it holds."""
    hospitals = _admin_hospitals(request)
    client = SmartClient.objects.select_related("organisation").filter(
        public_id=public_id, organisation__in=hospitals, revoked_at__isnull=True).first()
    if client is None:
        try:
            deny(user=request.user, request=request, object_type="smart_client", object_id=public_id,
                 reason="not_admin")
        except NotFound:
            raise Http404 from None
    services.smart_client_revoke(client=client, revoked_by=request.user, request=request)
    messages.success(request, _("%(name)s was revoked; its tokens no longer work.") % {"name": client.name})
    return redirect("smart:clients")


def _token_rows(tokens):
    now = timezone.now()
    rows = []
    for token in tokens:
        state = ("revoked" if token.revoked_at else "expired" if token.expires_at <= now else "active")
        rows.append({"token": token, "state": state, "scopes": _with_labels(token.scopes)})
    return rows


@login_required
@never_cache
def apps(request):
    """Apps with access to my records: issue a token for one record, see the apps' access and last use, revoke."""
    patients = list(portal_patients(request.user))
    form = AppTokenForm(request.POST or None, patients=patients)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.patient_token_issue(
                user=request.user, patient=form.cleaned_data["patient"], name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"], lifetime=form.cleaned_data["lifetime"], request=request)
        except CareBridgeError as exc:
            form_add_service_errors(form, exc)
        else:
            issued = {"token": token, "raw": raw, "scopes": _with_labels(token.scopes)}
            form = AppTokenForm(patients=patients)
    return render(request, "interop/smart/apps.html", {
        "form": form, "patients": patients, "issued": issued, "fhir_base": base_url(request),
        "rows": _token_rows(services.patient_tokens_of(request.user)[:100])})


@login_required
@require_POST
def app_revoke(request, public_id):
    """Take an app's access away at once."""
    try:
        token = services.user_token_revoke(user=request.user, public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("%(name)s can no longer read the record.") % {"name": token.name})
    return redirect("smart:clients" if token.kind == token.Kind.SYSTEM else "smart:apps")


# The authorisation endpoint (SMART App Launch, standalone, with PKCE)

def _back_to_app(redirect_uri, **params):
    """Return a redirect to the app's registered URI with the parameters added to its query."""
    parts = urlsplit(redirect_uri)
    query = "&".join(part for part in (parts.query, urlencode({k: v for k, v in params.items() if v})) if part)
    return HttpResponseRedirect(urlunsplit(parts._replace(query=query)))


def _refusal(request, exc):
    if exc.redirect_uri:
        return _back_to_app(exc.redirect_uri, error=exc.error, error_description=exc.description, state=exc.state)
    return render(request, "interop/smart/authorize_error.html", {"message": exc.description}, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request):
    """Ask the patient or guardian whether an app may read a record; send the app a code, or the refusal."""
    params = request.GET if request.method == "GET" else request.POST
    try:
        authorize_request = services.authorize_request_check(params, fhir_base=base_url(request))
    except services.AuthorizeError as exc:
        return _refusal(request, exc)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    patients = list(portal_patients(request.user))
    if not patients:
        message = _("Only a patient or a guardian can let an app read a record. Sign in with the patient's account.")
        return render(request, "interop/smart/authorize_error.html", {"message": message}, status=403)
    form = ConsentForm(request.POST if request.method == "POST" else None, patients=patients,
                       scopes=authorize_request.scopes)
    if request.method == "POST":
        if request.POST.get("decision") != "allow":
            services.authorization_deny(authorize=authorize_request, user=request.user, request=request)
            return _back_to_app(authorize_request.redirect_uri, error="access_denied",
                                error_description="The patient did not allow access.", state=authorize_request.state)
        if form.is_valid():
            try:
                code = services.authorization_approve(
                    authorize=authorize_request, user=request.user, patient=form.cleaned_data["patient"],
                    scopes=form.cleaned_data["scopes"], request=request)
            except CareBridgeError as exc:
                form_add_service_errors(form, exc)
            else:
                return _back_to_app(authorize_request.redirect_uri, code=code, state=authorize_request.state)
    return render(request, "interop/smart/authorize.html", {
        "form": form, "app": authorize_request.client, "params": authorize_request.params,
        "redirect_host": urlsplit(authorize_request.redirect_uri).netloc})
