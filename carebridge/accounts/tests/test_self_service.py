"""Self-service: password reset, preferences, and a dashboard that fits each role."""

import re

import pytest
from django.core import mail

from carebridge.accounts.models import Role
from conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def test_a_patient_resets_a_forgotten_password_from_the_emailed_link(client, guardian):
    client.post("/accounts/password/reset/", {"email": guardian.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/[^\s]+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": "naadam-festival-in-july", "new_password2": "naadam-festival-in-july"})

    assert response.status_code == 302
    guardian.refresh_from_db()
    assert guardian.check_password("naadam-festival-in-july")
    assert not guardian.check_password(PASSWORD)


def test_a_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert response.status_code == 302 and response.url == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_a_patient_changes_language_and_time_zone_on_the_preferences_page(guardian):
    client = signed_in(guardian)

    response = client.post("/accounts/preferences/", {"full_name": "Oyunaa B.", "language": "en",
                                                     "time_zone": "Asia/Shanghai"})

    assert response.status_code == 302
    guardian.refresh_from_db()
    assert (guardian.full_name, guardian.language, guardian.time_zone) == ("Oyunaa B.", "en", "Asia/Shanghai")
    page = client.get("/accounts/preferences/").content.decode()
    assert 'lang="en"' in page and "Asia/Shanghai" in page


def test_an_unknown_time_zone_on_the_preferences_page_is_a_field_error(guardian):
    response = signed_in(guardian).post("/accounts/preferences/", {"language": "en", "time_zone": "Asia/Nowhere"})

    assert response.status_code == 400
    assert response.context["form"].errors["time_zone"]
    guardian.refresh_from_db()
    assert guardian.time_zone == "Asia/Ulaanbaatar"


@pytest.mark.parametrize(
    ("person", "role"),
    [("guardian", Role.GUARDIAN), ("coordinator", Role.COORDINATOR), ("interpreter", Role.INTERPRETER),
     ("case_manager", Role.INSURER_CASE_MANAGER), ("agent", Role.AGENCY_AGENT), ("platform_admin", Role.ADMIN)],
)
def test_each_role_sees_its_own_dashboard_panel(request, person, role):
    user = request.getfixturevalue(person)

    response = signed_in(user).get("/accounts/dashboard/")

    assert response.status_code == 200
    roles = [panel["membership"].role for panel in response.context["panels"]]
    assert roles == [role]
