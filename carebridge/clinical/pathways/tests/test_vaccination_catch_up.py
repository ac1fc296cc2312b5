"""Temuulen's catch-up against China's 2021 schedule, from his Mongolian home record."""

import datetime as dt

import pytest

from carebridge.audit.models import AuditEvent
from carebridge.clinical.models import Immunization
from carebridge.clinical.pathways.vaccination import vaccination_catch_up
from carebridge.clinical.services import immunization_record
from carebridge.clinical.terminology import vaccine_lookup
from conftest import signed_in

pytestmark = pytest.mark.django_db

# Temuulen was born on 10 March 2025; on 15 May 2026 he is 14 months old.
ON = dt.date(2026, 5, 15)


def _home(patient, actor, vaccine, day, dose=None):
    return immunization_record(patient=patient, actor=actor, vaccine=vaccine, occurred_on=day, dose_number=dose,
                               country="MN", source="home record")


@pytest.fixture
def home_record(temuulen, coordinator):
    """BCG and HepB at birth, HepB at 1 and 6 months, DTaP at 3 and 4 months, all in Ulaanbaatar."""
    _home(temuulen, coordinator, "BCG", dt.date(2025, 3, 10), 1)
    for number, day in enumerate((dt.date(2025, 3, 10), dt.date(2025, 4, 10), dt.date(2025, 9, 10)), start=1):
        _home(temuulen, coordinator, "HepB", day, number)
    _home(temuulen, coordinator, "DTaP", dt.date(2025, 6, 10), 1)
    _home(temuulen, coordinator, "DTaP", dt.date(2025, 7, 10), 2)
    return temuulen


def _due(doses):
    return {(d.vaccine_key, d.dose_number): d.due_on for d in doses}


def test_a_mongolian_one_year_old_is_due_mmr_dtap_3_je_polio_and_meningococcal_now(home_record):
    result = vaccination_catch_up(home_record, on=ON)

    assert set(_due(result.due_now)) == {("MMR", 1), ("DTaP", 3), ("JE-L", 1), ("IPV", 1), ("MPSV-A", 1)}
    assert _due(result.due_now)[("MMR", 1)] == dt.date(2025, 11, 10)  # due since he turned 8 months
    assert set(result.complete) == {"BCG", "HepB"}
    assert [(d.given.occurred_on, d.given.country) for d in result.row("HepB").given] == [
        (dt.date(2025, 3, 10), "MN"), (dt.date(2025, 4, 10), "MN"), (dt.date(2025, 9, 10), "MN")]
    assert len(result.row("DTaP").given) == 2


def test_later_doses_are_dated_by_age_and_by_the_interval_after_todays_dose(home_record):
    later = _due(vaccination_catch_up(home_record, on=ON).due_later)

    # MMR 2 at 18 months; DTaP 4 would be at 18 months too, but must wait 183 days after dose 3 given today.
    assert later[("MMR", 2)] == dt.date(2026, 9, 10)
    assert later[("HepA-L", 1)] == dt.date(2026, 9, 10)
    assert later[("DTaP", 4)] == ON + dt.timedelta(days=183)
    assert later[("DT", 5)] == dt.date(2031, 3, 10)
    assert later[("JE-L", 2)] == ON + dt.timedelta(days=365)
    # Polio is one series: IPV 1 today, IPV 2 four weeks later, bOPV (dose 3) four weeks after that.
    assert later[("IPV", 2)] == ON + dt.timedelta(days=28)
    assert later[("bOPV", 3)] == ON + dt.timedelta(days=56)
    assert later[("MPSV-A", 2)] == ON + dt.timedelta(days=90)
    assert ("MMR", 1) not in later and ("HepB", 3) not in later


def test_a_dose_given_too_recently_waits_for_the_minimum_interval(temuulen, coordinator):
    _home(temuulen, coordinator, "DTaP", dt.date(2025, 6, 10))
    _home(temuulen, coordinator, "DTaP", ON - dt.timedelta(days=10))

    result = vaccination_catch_up(temuulen, on=ON)

    assert ("DTaP", 3) not in _due(result.due_now)
    assert _due(result.due_later)[("DTaP", 3)] == ON + dt.timedelta(days=18)


def test_a_pentavalent_dose_counts_for_dtap_and_polio(temuulen, coordinator):
    for day in (dt.date(2025, 5, 10), dt.date(2025, 6, 10), dt.date(2025, 7, 10)):
        _home(temuulen, coordinator, "DTaP-IPV-Hib", day)

    result = vaccination_catch_up(temuulen, on=ON)

    assert len(result.row("DTaP").given) == 3
    assert len(result.row("IPV").given) == 2 and result.row("IPV").complete
    assert [d.dose_number for d in result.row("bOPV").given] == [3]
    assert ("DTaP", 3) not in _due(result.due_now) and ("IPV", 1) not in _due(result.due_now)
    assert result.unmatched == []


def test_home_doses_are_recorded_with_the_home_record_as_source_and_audited(home_record):
    doses = Immunization.objects.filter(patient=home_record)

    assert doses.count() == 6
    assert set(doses.values_list("source", flat=True)) == {"home record"}
    assert AuditEvent.objects.filter(action="immunization.recorded",
                                     patient_public_id=home_record.public_id).count() == 6


def test_the_comparison_page_names_vaccines_in_the_viewers_language(home_record, clinician):
    response = signed_in(clinician).get(f"/pathways/patients/{home_record.public_id}/vaccinations/")

    page = response.content.decode()
    assert response.status_code == 200
    assert vaccine_lookup("MMR").name("mn")[0] in page
    assert 'id="vaccine-DTaP"' in page


def test_the_coordinator_adds_a_home_dose_on_the_comparison_page(temuulen, coordinator):
    response = signed_in(coordinator).post(f"/pathways/patients/{temuulen.public_id}/vaccinations/", {
        "vaccine": "MMR", "occurred_on": "2025-11-12", "dose_number": "1", "country": "mn"})

    assert response.status_code == 302
    dose = Immunization.objects.get(patient=temuulen)
    assert (dose.vaccine_key, dose.country, dose.source) == ("MMR", "MN", "home record")


def test_the_api_computes_the_catch_up_for_a_day(home_record, clinician):
    response = signed_in(clinician).get(f"/api/v1/patients/{home_record.public_id}/vaccination-catch-up",
                                        {"on": ON.isoformat()})

    body = response.json()
    assert response.status_code == 200
    assert {(d["vaccine_key"], d["dose_number"]) for d in body["due_now"]} == {
        ("MMR", 1), ("DTaP", 3), ("JE-L", 1), ("IPV", 1), ("MPSV-A", 1)}
    assert {"vaccine_key": "DTaP", "dose_number": 4, "age_months": 18, "due_on": "2026-11-14",
            "given": None} in body["due_later"]
    assert sorted(body["complete"]) == ["BCG", "HepB"]


def test_the_catch_up_pathway_runs_from_record_to_booking(home_record, coordinator, clinician, haikou):
    client_c, client_d = signed_in(coordinator), signed_in(clinician)
    pathway = client_c.post("/api/v1/pathways", {"patient_id": str(home_record.public_id),
                                                 "key": "vaccination_catch_up"},
                            content_type="application/json").json()
    owners = {s["key"]: s["owner_role"] for s in pathway["steps"]}

    for step in pathway["steps"]:
        client = client_c if step["owner_role"] == "coordinator" else client_d
        response = client.post(f"/api/v1/pathway-steps/{step['id']}/complete", {"note": ""},
                               content_type="application/json")
        assert response.status_code == 200, response.json()

    assert owners == {"record_home_doses": "coordinator", "review_comparison": "clinician",
                      "give_due_doses": "clinician", "book_later_doses": "coordinator"}
    assert client_c.get(f"/api/v1/pathways/{pathway['id']}").json()["status"] == "completed"
