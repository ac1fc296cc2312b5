"""The cashier's bank and reconciliation pages and API: only the hospital's cashiers, bad files answered with 400."""

import datetime as dt
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from carebridge.billing.models import BankStatement, BankStatementLine, Payment
from conftest import signed_in

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate(timezone=zoneinfo.ZoneInfo("Asia/Shanghai"))


def statement(*rows):
    text = "date,amount,currency,reference,counterparty,bank_reference\n" + "\n".join(rows) + "\n"
    return SimpleUploadedFile("nov.csv", text.encode(), content_type="text/csv")


def test_the_cashier_imports_a_statement_through_the_api(issued_invoice, haikou, cashier):
    client = signed_in(cashier)

    response = client.post(f"/api/v1/billing/bank-statements?hospital={haikou.public_id}",
                           {"file": statement(f"{today()},900.00,CNY,{issued_invoice.number},X,B-1",
                                              f"{today()},5.00,CNY,interest,Bank,B-2")})
    again = client.post(f"/api/v1/billing/bank-statements?hospital={haikou.public_id}",
                        {"file": statement(f"{today()},900.00,CNY,{issued_invoice.number},X,B-1",
                                           f"{today()},5.00,CNY,interest,Bank,B-2")})
    waiting = client.get(f"/api/v1/billing/bank-lines?hospital={haikou.public_id}").json()

    assert response.status_code == 201, response.content
    assert response.json()["matched"] == 1 and response.json()["unmatched"] == 1
    assert again.status_code == 409 and again.json()["code"] == "bank_statement_duplicate"
    assert [line["bank_reference"] for line in waiting] == ["B-2"]


def test_a_bad_file_gets_400_with_the_line_and_nothing_is_written(haikou, cashier):
    response = signed_in(cashier).post(f"/api/v1/billing/bank-statements?hospital={haikou.public_id}",
                                       {"file": statement(f"{today()},12,CNY,x,y,B-1", f"{today()},1O.00,CNY,x,y,B-2")})

    assert response.status_code == 400
    assert response.json()["details"]["line"] == 3 and response.json()["details"]["column"] == "amount"
    assert not BankStatement.objects.exists()


def test_the_cashier_ignores_and_matches_waiting_lines_through_the_api(issued_invoice, haikou, cashier):
    client = signed_in(cashier)
    client.post(f"/api/v1/billing/bank-statements?hospital={haikou.public_id}",
                {"file": statement(f"{today()},900.00,CNY,bill,X,B-1", f"{today()},5.00,CNY,interest,Bank,B-2")})
    statement_id = str(BankStatement.objects.get().public_id)

    matched = client.post("/api/v1/billing/bank-lines/match", {
        "hospital": str(haikou.public_id), "statement": statement_id, "bank_reference": "B-1",
        "invoice": str(issued_invoice.public_id)}, content_type="application/json")
    ignored = client.post("/api/v1/billing/bank-lines/ignore", {
        "hospital": str(haikou.public_id), "statement": statement_id, "bank_reference": "B-2",
        "reason": "Interest"}, content_type="application/json")

    assert matched.status_code == 200 and matched.json()["state"] == "matched"
    assert ignored.status_code == 200 and ignored.json()["state"] == "ignored"
    assert Payment.objects.get().reference == "B-1"


def test_another_hospitals_cashier_and_a_patient_see_nothing(issued_invoice, haikou, other_cashier, guardian):
    for user in (other_cashier, guardian):
        client = signed_in(user)
        assert client.get(f"/api/v1/billing/bank-lines?hospital={haikou.public_id}").status_code == 404
        assert client.get(f"/api/v1/billing/reconciliation?hospital={haikou.public_id}"
                          f"&date_from={today()}&date_to={today()}").status_code == 404
        assert client.get(f"/billing/bank/?hospital={haikou.public_id}").status_code == 404
        assert client.get(f"/billing/reconciliation/?hospital={haikou.public_id}").status_code == 404


def test_the_bank_page_imports_and_the_queue_matches_by_invoice_number(issued_invoice, haikou, cashier):
    client = signed_in(cashier)

    page = client.post("/billing/bank/", {"file": statement(f"{today()},900.00,CNY,hospital,X,B-1")}, follow=True)
    line = BankStatementLine.objects.get()
    client.post("/billing/bank/lines/", {"statement": str(line.statement.public_id), "bank_reference": "B-1",
                                         "action": "invoice", "invoice_number": issued_invoice.number.lower()})

    line.refresh_from_db()
    assert page.status_code == 200 and "B-1" in page.content.decode()
    assert line.state == BankStatementLine.State.MATCHED


def test_the_bank_page_names_the_bad_line(haikou, cashier):
    response = signed_in(cashier).post("/billing/bank/", {"file": statement("yesterday,1.00,CNY,x,y,B-1")})

    assert response.status_code == 400 and "2" in response.context["form"].errors["file"][0]


def test_the_reconciliation_page_and_its_csv_agree_with_the_api(issued_invoice, temuulen, haikou, cashier):
    from carebridge.billing import services

    services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="cash",
                            amount="900.00", currency="CNY", received_by=cashier)
    client = signed_in(cashier)
    query = f"date_from={today() - dt.timedelta(days=1)}&date_to={today()}"

    page = client.get(f"/billing/reconciliation/?{query}")
    csv = client.get(f"/billing/reconciliation/?{query}&format=csv")
    api = client.get(f"/api/v1/billing/reconciliation?hospital={haikou.public_id}&{query}").json()

    assert page.status_code == 200 and "900.00" in page.content.decode()
    assert csv["Content-Type"].startswith("text/csv") and f"{today()},cash,1,900.00" in csv.content.decode()
    assert api["differences"] == 0 and api["net"] == "900.00" == api["ledger"]
