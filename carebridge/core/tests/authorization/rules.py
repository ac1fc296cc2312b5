"""The declared rules: for every route, who may use it; everyone else must be refused.

Read as a table: each key is "<METHOD> <route name>" (the URL name for pages and FHIR, the operation id for the
JSON API), each value the personas allowed. The personas (see world.py) act on Temuulen's case at Haikou: a
Mongolian one-year-old whose mother (`guardian`) registered him; he has a report, an appointment with an
interpreter, an invoice, a GOP approved by Cigna, a claim, a share link, a referral to Chongqing and a bulk export.

What the walk counts as
- allowed: any answer that is not a refusal or a crash: 2xx, a redirect other than to the sign-in or second-factor
  page, or a 4xx that judges the request itself (400, 409, 422: the empty body a write is posted with);
- refused: 401, 403, 404, 410, or a redirect to sign in / give the second factor;
- not served (`NOT_SERVED`): the route answers 405 to that method for everyone (or refuses first).
`reads` marks the routes that read health or identity data: "record" reads Temuulen's record (exactly one audit row
for him per read), "list" shows patients (one row per patient shown, as `audit_record_reads` writes).
"""

from dataclasses import dataclass

from carebridge.core.tests.authorization.world import PERSONAS


@dataclass(frozen=True)
class Rule:
    allow: frozenset
    reads: str = ""
    served: bool = True


def _(*names):
    unknown = set(names) - set(PERSONAS)
    assert not unknown, unknown
    return frozenset(names)


# Groups of personas, as the product's roles read.
NOBODY = _()
EVERYONE = _(*PERSONAS)
SIGNED_IN = _(*PERSONAS[1:])
NOT_SERVED = Rule(NOBODY, served=False)

# The people outside Temuulen's care, who must never see his name or id on any answer they are allowed.
OUTSIDE_HIS_CARE = _("anonymous", "patient", "other_patient", "coordinator_cq", "case_manager_aetna", "agent")
# Routes that show him to anyone who holds what the URL carries (the share link's secret token).
SHOWS_HIM_TO_ANYONE = frozenset()

RULES: dict[str, Rule] = {
}


def draft(outcomes, routes, temuulen, path):
    """Write rule lines for routes without a rule, from what the walk observed (to be checked by a person)."""
    by_key = {}
    for outcome in outcomes:
        by_key.setdefault(outcome.key, []).append(outcome)
    groups = {value: name for name, value in globals().items()
              if isinstance(value, frozenset) and name.isupper() and name not in ("SHOWS_HIM_TO_ANYONE",)}
    lines = []
    for route in routes:
        seen = by_key.get(route.key, [])
        verdicts = {o.verdict for o in seen}
        if "allow" not in verdicts and "method" in verdicts:
            lines.append(f'    "{route.key}": NOT_SERVED,')
            continue
        allowed = frozenset(o.persona for o in seen if o.verdict == "allow")
        crashes = [o.persona for o in seen if o.verdict == "crash"]
        text = groups.get(allowed) or "_(" + ", ".join(f'"{p}"' for p in PERSONAS if p in allowed) + ")"
        audited = any(patient == temuulen for o in seen if o.verdict == "allow" for _a, patient in o.audit)
        reads = ', reads="record"' if audited else ""
        comment = f"  # CRASH for {crashes}" if crashes else ""
        lines.append(f'    "{route.key}": Rule({text}{reads}),{comment}')
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
