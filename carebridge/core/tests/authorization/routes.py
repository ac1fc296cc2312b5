"""Every route of the application: Django URL patterns, django-ninja API operations and FHIR interactions.

A route is keyed "<METHOD> <name>": the URL name with its namespace for pages and FHIR ("GET clinical:report_detail",
"GET fhir:patient_read"), the operation id for the JSON API ("GET api:patients_read").
"""

import re
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

# Left out of the matrix, and why: Django's own admin (staff-only by Django, outside the product's roles) and the
# API's URL patterns, which are enumerated from the OpenAPI schema (one per operation and method) instead.
SKIPPED_PREFIXES = ("admin/",)
API_NAMESPACE = "api"
# The API's own documents (schema, docs page, root) are ordinary pages of the API namespace.
API_PAGES = ("api:openapi-json", "api:openapi-view", "api:api-root")
# Methods a page is called with: every page is read (GET) and posted to (POST); views that answer 405 to one
# of them declare so in the rules with `methods`.
PAGE_METHODS = ("GET", "POST")


@dataclass(frozen=True)
class Route:
    method: str
    name: str
    pattern: str  # the Django route ("clinical/reports/<uuid:public_id>/") or the API path ("/api/v1/...")
    kind: str  # "page", "api" or "fhir"
    params: tuple = field(default=())

    @property
    def key(self):
        return f"{self.method} {self.name}"


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else (entry.name or "")
            yield prefix + str(entry.pattern), name


def _params(pattern):
    return tuple(re.findall(r"<(?:\w+:)?(\w+)>", pattern)) + tuple(re.findall(r"\(\?P<(\w+)>", pattern))


def django_routes():
    """Return the pages and FHIR interactions: every named URL pattern outside the skipped prefixes."""
    found = []
    for pattern, name in _walk(get_resolver().url_patterns):
        if pattern.startswith(SKIPPED_PREFIXES):
            continue
        if name.startswith(f"{API_NAMESPACE}:") and name not in API_PAGES:
            continue
        if not name:
            raise AssertionError(f"the URL pattern {pattern!r} has no name, so no rule can name it")
        kind = "fhir" if name.startswith("fhir:") else "page"
        for method in PAGE_METHODS:
            found.append(Route(method=method, name=name, pattern=pattern, kind=kind, params=_params(pattern)))
    return found


def api_routes():
    """Return every JSON API operation, from the OpenAPI schema (path, method, operation id)."""
    from config.api import api

    found = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            found.append(Route(method=method.upper(), name=f"api:{operation['operationId']}", pattern=path,
                               kind="api", params=tuple(re.findall(r"{(\w+)}", path))))
    return found


def all_routes():
    """Return every route, each once (a name served by two patterns, as django-ninja's are, counted once)."""
    seen, routes = set(), []
    for route in [*django_routes(), *api_routes()]:
        if route.key not in seen:
            seen.add(route.key)
            routes.append(route)
    return routes
