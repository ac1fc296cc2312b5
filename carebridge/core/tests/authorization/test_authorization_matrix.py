"""Every route × every persona answers as the rules declare; refused writes change nothing; reads are audited.

One walk (module-scoped: the world is built once, in a transaction rolled back at the end) calls each route of
the application as each persona, against real objects of Temuulen's case at Haikou, and the tests below judge
its outcomes against `rules.RULES`. A route without a rule fails the first test.

To draft rules for new routes, run this module with AUTHZ_DRAFT=/tmp/draft.py: the walk writes what it observed
as rule lines for the routes without one; read each route's access check before copying a line into the table.
"""

import os

import pytest
from django.db import transaction
from django.test import override_settings

from carebridge.core.tests.authorization import rules
from carebridge.core.tests.authorization.routes import all_routes
from carebridge.core.tests.authorization.walk import walk
from carebridge.core.tests.authorization.world import PERSONAS, SHORT, build_world

# The walk needs the test database; each test then only reads the walk's outcomes.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def routes():
    return all_routes()


@pytest.fixture(scope="module")
def walked(routes, django_db_setup, django_db_blocker, tmp_path_factory):
    """Build the world once, walk every declared route as every persona, roll everything back."""
    media = tmp_path_factory.mktemp("authz-media")
    declared = [route for route in routes if route.key in rules.RULES or os.environ.get("AUTHZ_DRAFT")]
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)), transaction.atomic():
        world = build_world()
        outcomes = walk(world, declared)
        temuulen = str(world.objects.temuulen.public_id)
        transaction.set_rollback(True)
    if os.environ.get("AUTHZ_DRAFT"):
        rules.draft(outcomes, [route for route in routes if route.key not in rules.RULES], temuulen,
                    os.environ["AUTHZ_DRAFT"])
    return outcomes, temuulen


def _matrix(mismatches):
    """Return the mismatches as a compact table: one line per route, one column per persona."""
    lines = ["route".ljust(52) + " ".join(SHORT[p].rjust(5) for p in PERSONAS)]
    by_key = {}
    for outcome, what in mismatches:
        by_key.setdefault(outcome.key, {})[outcome.persona] = what
    for key in sorted(by_key):
        cells = by_key[key]
        lines.append(key[:52].ljust(52) + " ".join(cells.get(p, ".").rjust(5) for p in PERSONAS))
    return "\n".join(lines)


def test_every_route_has_a_declared_rule(routes):
    keys = {route.key for route in routes}
    missing = sorted(keys - set(rules.RULES))
    stale = sorted(set(rules.RULES) - keys)
    assert not missing, "new routes have no rule (declare them in rules.py):\n  " + "\n  ".join(missing)
    assert not stale, "rules for routes that no longer exist:\n  " + "\n  ".join(stale)


def test_every_persona_is_allowed_or_refused_as_the_rules_declare(walked):
    outcomes, _temuulen = walked
    mismatches = []
    for outcome in outcomes:
        rule = rules.RULES[outcome.key]
        if not rule.served:
            expected = ("method", "deny")
        else:
            expected = ("allow",) if outcome.persona in rule.allow else ("deny",)
        if outcome.verdict not in expected:
            mismatches.append((outcome, f"{outcome.verdict[0].upper()}{outcome.status}"))
    assert not mismatches, (
        f"{len(mismatches)} answers differ from the rules (A=allowed, D=refused, C=crash, M=405 + status; "
        f"'.' as declared):\n" + _matrix(mismatches))


def test_a_refused_write_changes_nothing(walked):
    outcomes, _temuulen = walked
    changed = [(o, "chg") for o in outcomes if o.verdict == "deny" and o.changed]
    assert not changed, "refused calls that changed rows:\n" + "\n".join(
        f"  {o.key} as {o.persona}: {', '.join(o.changed)}" for o, _ in changed)


def test_no_one_outside_temuulens_care_sees_his_name_or_id(walked):
    outcomes, _temuulen = walked
    leaks = [(o, "leak") for o in outcomes
             if o.shows_temuulen and o.verdict == "allow" and o.persona in rules.OUTSIDE_HIS_CARE
             and o.key not in rules.SHOWS_HIM_TO_ANYONE and o.persona not in rules.RULES[o.key].sees_him]
    assert not leaks, "Temuulen shown to people outside his care:\n" + _matrix(leaks)


def test_every_read_of_health_or_identity_data_writes_one_audit_row_per_patient(walked):
    outcomes, temuulen = walked
    wrong = []
    for outcome in outcomes:
        rule = rules.RULES[outcome.key]
        # Writes record what they did beside any read; the count judges reads.
        if (not rule.reads or outcome.key.split()[0] != "GET" or outcome.verdict != "allow"
                or outcome.persona not in rule.allow):
            continue
        per_patient = {}
        for _action, patient in outcome.audit:
            if patient:
                per_patient[patient] = per_patient.get(patient, 0) + 1
        twice = {patient: n for patient, n in per_patient.items() if n != 1}
        # A record read audits Temuulen; a list audits him when it shows him.
        expected_him = rule.reads == "record" or outcome.shows_temuulen
        if twice and outcome.key not in rules.AUDITED_MORE_THAN_ONCE:
            wrong.append((outcome, f"x{max(twice.values())}"))
        elif expected_him and temuulen not in per_patient:
            wrong.append((outcome, "none"))
    assert not wrong, ("health or identity reads not audited exactly once per patient "
                       "(none = no row for Temuulen, xN = N rows for one patient):\n" + _matrix(wrong))
