"""The claim pack is one click from the invoice, in the family's portal and at the cashier's desk."""

import pytest

from conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_family_and_the_cashier_find_the_claim_pack_on_the_invoice(final_invoice, guardian, cashier):
    pack_url = f"/insurance/claim-pack/{final_invoice.public_id}/"

    portal = signed_in(guardian, second_factor=False).get(f"/billing/invoices/{final_invoice.public_id}/")
    desk = signed_in(cashier).get(f"/billing/desk/invoices/{final_invoice.public_id}/")

    assert portal.status_code == 200 and pack_url in portal.content.decode()
    assert desk.status_code == 200 and pack_url in desk.content.decode()


def test_the_claim_pack_page_offers_the_download_and_asks_for_consent_before_sending(final_invoice, guardian):
    page = signed_in(guardian, second_factor=False).get(f"/insurance/claim-pack/{final_invoice.public_id}/",
                                                        HTTP_ACCEPT_LANGUAGE="en")

    body = page.content.decode()
    assert page.status_code == 200
    assert f"/insurance/claim-pack/{final_invoice.public_id}/pdf/" in body
    assert f"/insurance/claim-pack/{final_invoice.public_id}/consent/" in body
    assert f"/insurance/claim-pack/{final_invoice.public_id}/send/" not in body
