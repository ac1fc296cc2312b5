"""SMART on FHIR scopes: v1 (`system/Patient.read`) and v2 (`system/Patient.rs`), granted as an intersection.

A scope is `<context>/<resource type or *>.<permissions>`: context `system` (a backend service acting for its
organisation) or `patient` (an app acting for one patient); permissions `read` (v1: read and search), `*` (v1:
everything; only reading exists here) or a v2 subset of `cruds` in that order. Reading is kept for its `r` (read)
and `s` (search); a scope giving neither is refused. The one write this server grants is `system/Bundle.write`: a
hospital's system importing an International Patient Summary (POST Patient/<id>/$ips-import); every other write
scope is refused.
"""

import re
from dataclasses import dataclass

CONTEXTS = ("system", "patient")
READ, SEARCH = "r", "s"
WRITE = "w"  # internal: the v1 `.write` of the one resource written here
# The write scopes granted, each to the operation it stands for.
WRITE_SCOPES = {"system/Bundle.write": "Patient/<id>/$ips-import"}
SCOPE = re.compile(r"(?P<context>system|patient|user)/(?P<resource>\*|[A-Z][A-Za-z]+)\.(?P<permissions>read|write|\*|c?r?u?d?s?)")


@dataclass(frozen=True)
class Scope:
    """One SMART scope, reduced to what this read-only server honours: read (r) and search (s)."""

    context: str
    resource: str
    permissions: frozenset
    v1: bool = False

    def __str__(self):
        if self.v1 and self.permissions == {READ, SEARCH}:
            return f"{self.context}/{self.resource}.read"
        if self.permissions == {WRITE}:
            return f"{self.context}/{self.resource}.write"
        return f"{self.context}/{self.resource}.{''.join(p for p in 'cruds' if p in self.permissions)}"

    def allows(self, resource_type, interaction):
        """Tell whether this scope allows an interaction ("read" or "search") on a resource type."""
        letter = READ if interaction == "read" else SEARCH
        return self.resource in ("*", resource_type) and letter in self.permissions

    def meet(self, other):
        """Return the scope both this one and another allow, or None."""
        if self.context != other.context:
            return None
        if self.resource == "*":
            resource = other.resource
        elif other.resource in ("*", self.resource):
            resource = self.resource
        else:
            return None
        permissions = self.permissions & other.permissions
        return Scope(self.context, resource, permissions, v1=self.v1 and other.v1) if permissions else None


def scope_parse(text):
    """Return the Scope a scope string names, or None for anything this server does not grant."""
    match = SCOPE.fullmatch(text.strip())
    if not match or match["context"] not in CONTEXTS or not match["permissions"]:
        return None
    permissions = match["permissions"]
    if permissions in ("read", "*"):
        return Scope(match["context"], match["resource"], frozenset({READ, SEARCH}), v1=True)
    if permissions == "write":
        text = f"{match['context']}/{match['resource']}.write"
        return Scope(match["context"], match["resource"], frozenset({WRITE}), v1=True) if text in WRITE_SCOPES else None
    kept = frozenset(permissions) & {READ, SEARCH}
    return Scope(match["context"], match["resource"], kept) if kept else None


def scopes_parse(texts):
    """Return the scopes of a list of strings (or a space-separated string), leaving out what is not granted."""
    if isinstance(texts, str):
        texts = texts.split()
    return [scope for scope in (scope_parse(text) for text in texts) if scope is not None]


def scopes_grant(requested, allowed):
    """Return the scope strings granted: each requested scope narrowed to what an allowed one permits."""
    granted = []
    for wanted in scopes_parse(requested):
        for permitted in scopes_parse(allowed):
            scope = wanted.meet(permitted)
            if scope is not None and str(scope) not in granted:
                granted.append(str(scope))
    return granted


def scopes_allow(scopes, resource_type, interaction):
    """Tell whether any of the scopes (strings) allows an interaction on a resource type."""
    return any(scope.allows(resource_type, interaction) for scope in scopes_parse(scopes))


def scopes_valid(texts, *, context):
    """Tell whether every scope string is one this server grants in the given context."""
    parsed = [scope_parse(text) for text in texts]
    return bool(texts) and all(scope is not None and scope.context == context for scope in parsed)
