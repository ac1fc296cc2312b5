"""API of online payments: start a payment intent (Idempotency-Key required) and read how it ended."""

from decimal import Decimal
from uuid import UUID

from ninja import Field, Router, Schema, Status

from carebridge.accounts.access import deny
from carebridge.accounts.models import Organisation
from carebridge.billing import online
from carebridge.billing.access import cashier_hospitals, intent_get_for_user, invoice_get_for_user
from carebridge.billing.idempotency import idempotency_key, idempotent
from carebridge.billing.models import PaymentIntent
from carebridge.billing.webhooks import intent_status_payload
from carebridge.core.api_support import SessionAuth
from carebridge.core.errors import ValidationFailed
from carebridge.core.schemas import ErrorOut
from carebridge.patients.models import Patient
from carebridge.patients.selectors import portal_patients

router = Router(tags=["online payments"], auth=SessionAuth())

READ = {401: ErrorOut, 404: ErrorOut}
WRITE = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 502: ErrorOut, 503: ErrorOut}


class PaymentIntentIn(Schema):
    patient_id: UUID
    purpose: str = Field(description="invoice or deposit")
    invoice_id: UUID | None = Field(None, description="The issued invoice to pay (purpose invoice)")
    hospital_id: UUID | None = Field(None, description="The hospital that takes the deposit (purpose deposit)")
    amount_cny: Decimal | None = Field(None, description="Invoice: CNY to pay, at most the balance (default: all)")
    amount: Decimal | None = Field(None, description="Deposit: the amount in `currency`")
    currency: str = Field("", max_length=3, description="ISO 4217; default: the patient's currency")
    provider: str = Field("sandbox", max_length=30)


class PaymentIntentOut(Schema):
    id: UUID
    status: str = Field(description="created, pending, succeeded, failed or cancelled")
    purpose: str
    provider: str
    amount: str
    currency: str
    amount_cny: str
    rate: str = Field(description="Units of `currency` per CNY, frozen when the intent was made")
    rate_date: str | None
    checkout_url: str | None = Field(None, description="Send the payer here")
    invoice_id: UUID | None
    paid: bool


def _patient(request, public_id):
    user = request.auth
    patient = portal_patients(user).filter(public_id=public_id).first()
    if patient is None:
        patient = Patient.objects.filter(public_id=public_id).first()
        if patient is None or not cashier_hospitals(user):
            deny(user=user, request=request, object_type="patient", object_id=public_id, reason="not_billing")
    return patient


def _staff_allowed(request, hospital, patient):
    if portal_patients(request.auth).filter(pk=patient.pk).exists():
        return
    if hospital not in cashier_hospitals(request.auth):
        deny(user=request.auth, request=request, object_type="patient", object_id=patient.public_id,
             reason="not_billing")


@router.post("/payment-intents", response={201: PaymentIntentOut, **WRITE}, summary="Start an online payment")
def payment_intents_create(request, payload: PaymentIntentIn):
    """Record an intent to pay (the rate is frozen), then open its checkout at the provider.

    Requires an `Idempotency-Key` header: a retry with the same key and body answers with the same intent (and
    repairs its checkout if the first call was interrupted); the same key with another body answers 422.
    """
    key = idempotency_key(request)
    patient = _patient(request, payload.patient_id)
    invoice = None
    if payload.purpose == "invoice":
        if payload.invoice_id is None:
            raise ValidationFailed(code="invoice_required", details={"invoice_id": "required"})
        invoice = invoice_get_for_user(user=request.auth, public_id=str(payload.invoice_id), request=request)
        hospital = invoice.hospital
    else:
        hospital = Organisation.objects.filter(public_id=payload.hospital_id).first() if payload.hospital_id else None
        if hospital is None:
            raise ValidationFailed(code="hospital_required", details={"hospital_id": "required"})
    _staff_allowed(request, hospital, patient)

    def run():
        intent = online.payment_intent_record(
            patient=patient, hospital=hospital, purpose=payload.purpose, invoice=invoice, created_by=request.auth,
            provider=payload.provider, currency=payload.currency, request=request,
            amount_cny=None if payload.amount_cny is None else str(payload.amount_cny),
            amount=None if payload.amount is None else str(payload.amount))
        return 201, {"id": str(intent.public_id)}

    _status, body, _replayed = idempotent(user=request.auth, key=key, operation="payment_intent.create",
                                          payload=payload.dict(), run=run)
    intent = PaymentIntent.objects.select_related("invoice").get(public_id=body["id"])
    intent = online.payment_intent_checkout(intent)
    return Status(201, intent_status_payload(intent))


@router.get("/payment-intents/{intent_id}", response={200: PaymentIntentOut, **READ}, summary="An online payment")
def payment_intents_get(request, intent_id: UUID):
    """Read an intent: `paid` turns true once the provider's notification (or the reconciler) confirmed it."""
    intent = intent_get_for_user(user=request.auth, public_id=str(intent_id), request=request)
    return intent_status_payload(intent)
