"""Call every route as every persona against Temuulen's case, and record what each call did.

Each call runs inside a savepoint that is rolled back after it, so an allowed write (an empty form that still
cancels, say) never changes what the next call sees. Around each call the walk counts the audit rows written
and fingerprints every table of the application (row count and latest `updated_at`), so a refused write that
changed anything is caught even when it only updated a row.
"""

import os
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from django.apps import apps
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.urls import reverse

from carebridge.audit.models import AuditEvent
from carebridge.core.tests.authorization.params import url_of, values
from carebridge.core.tests.authorization.world import PERSONAS
from conftest import signed_in

# Tables a refused call may legitimately write to: the audit log (the refusal is recorded there), sessions and
# second-factor devices (not the application's), the job outbox rows of that audit, and throttling counters.
UNFINGERPRINTED = {"audit.AuditEvent"}
DENY_STATUSES = {401, 403, 404, 410}
TRACE = bool(os.environ.get("AUTHZ_TRACE"))


@dataclass
class Outcome:
    key: str
    persona: str
    url: str
    status: int
    location: str = ""
    verdict: str = ""  # "allow", "deny", "crash" or "method"
    audit: list = field(default_factory=list)  # [(action, patient public id as text)]
    changed: list = field(default_factory=list)  # labels of the tables a call changed
    shows_temuulen: bool = False


def _tables():
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("carebridge.") or model._meta.label in UNFINGERPRINTED:
            continue
        if model._meta.proxy or not model._meta.managed:
            continue
        has_updated = any(f.column == "updated_at" for f in model._meta.concrete_fields)
        found.append((model._meta.label, model._meta.db_table, has_updated))
    return found


def _fingerprint_sql(tables):
    q = connection.ops.quote_name
    parts = []
    for label, table, has_updated in tables:
        latest = f"CAST(MAX({q('updated_at')}) AS TEXT)" if has_updated else "''"
        parts.append(f"SELECT '{label}', COUNT(*), {latest} FROM {q(table)}")
    return " UNION ALL ".join(parts)


def _fingerprint(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {label: (count, latest) for label, count, latest in cursor.fetchall()}


def clients(world):
    """Return a test client per persona: the anonymous one, and every person signed in with their second factor."""
    found = {"anonymous": Client()}
    for persona in PERSONAS[1:]:
        found[persona] = signed_in(world.people[persona])
    for client in found.values():
        client.raise_request_exception = False
    return found


def verdict_of(status, location):
    """Tell what a response means for access: allowed, refused, a crash, or a method the route does not serve."""
    if status >= 500:
        return "crash"
    if status == 405:
        return "method"
    if status in DENY_STATUSES:
        return "deny"
    if status in (301, 302, 303, 307) and location.split("?")[0] in (
            reverse("accounts:sign_in"), reverse("accounts:otp_verify"), reverse("accounts:otp_setup")):
        return "deny"
    return "allow"


def _call(client, route, url):
    if route.method == "GET":
        return client.get(url)
    if route.kind == "page":
        return client.generic(route.method, url, b"", content_type="application/x-www-form-urlencoded")
    content_type = "application/fhir+json" if route.kind == "fhir" else "application/json"
    return client.generic(route.method, url, b"{}", content_type=content_type)


def _body(response):
    # The test client closes the response itself (a streamed one once read): closing it again would send
    # request_finished a second time, and close the connection the walk's transaction lives on.
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def walk(world, routes, *, personas=PERSONAS):
    """Call each route as each persona; return the outcomes, one per (route, persona)."""
    # The walk runs in one transaction: no request may close the connection under it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return _walk(world, routes, personas)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _walk(world, routes, personas):
    ids = values(world)
    temuulen = world.objects.temuulen
    markers = [str(temuulen.public_id).encode(), temuulen.given_names.encode(), temuulen.family_name.encode()]
    sql = _fingerprint_sql(_tables())
    by_persona = clients(world)
    outcomes = []
    for route in routes:
        url = url_of(route, ids)
        for persona in personas:
            if TRACE:
                print("AUTHZ", route.key, persona, url, flush=True)
            client = by_persona[persona]
            # A call may sign the persona out or rotate their session: the rollback restores the rows, this
            # restores the cookie that points at them.
            cookies = SimpleCookie()
            cookies.update(client.cookies)
            sid = transaction.savepoint()
            try:
                before_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                # Reads are not fingerprinted: a refused write is what must change nothing (and this halves the walk).
                before = _fingerprint(sql) if route.method != "GET" else None
                response = _call(client, route, url)
                body = _body(response)
                location = response.get("Location", "")
                outcome = Outcome(key=route.key, persona=persona, url=url, status=response.status_code,
                                  location=location, verdict=verdict_of(response.status_code, location))
                if outcome.verdict != "crash" and before is not None:
                    after = _fingerprint(sql)
                    outcome.changed = sorted(label for label in after if after[label] != before.get(label))
                if outcome.verdict != "crash":
                    outcome.audit = [(action, str(patient or "")) for action, patient in AuditEvent.objects.filter(
                        pk__gt=before_audit).values_list("action", "patient_public_id")]
                outcome.shows_temuulen = any(marker in body for marker in markers)
                outcomes.append(outcome)
            finally:
                transaction.savepoint_rollback(sid)
                client.cookies = cookies
    return outcomes
