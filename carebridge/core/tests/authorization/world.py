"""The world the matrix walks: Temuulen's case at Haikou, fully lived, and one person for every persona.

Built once per run with the apps' own services and the test factories. Every path parameter of a route is filled
with an id of Temuulen's case, so people outside his care are refused real, existing objects.
"""

import datetime as dt
import uuid
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from carebridge.accounts.models import OrganisationKind, Role
from carebridge.accounts.services import platform_organisation
from conftest import _org, _person

# The personas, in the order the matrix prints them.
PERSONAS = (
    "anonymous", "patient", "guardian", "other_patient", "coordinator", "coordinator_cq", "clinician",
    "interpreter", "cashier", "case_manager_cigna", "case_manager_aetna", "agent", "manager", "admin",
)
# Short column heads for the printed matrix.
SHORT = {
    "anonymous": "anon", "patient": "pat", "guardian": "guard", "other_patient": "othP", "coordinator": "coHK",
    "coordinator_cq": "coCQ", "clinician": "clin", "interpreter": "intp", "cashier": "cash",
    "case_manager_cigna": "cmCi", "case_manager_aetna": "cmAe", "agent": "agnt", "manager": "mgr", "admin": "adm",
}


def _people(orgs):
    platform = platform_organisation()
    return {
        "patient": _person("bilguun@example.mn", org=platform, role=Role.PATIENT, language="mn",
                           zone="Asia/Ulaanbaatar"),
        "guardian": _person("oyunaa@example.mn", org=platform, role=Role.GUARDIAN, language="mn",
                            zone="Asia/Ulaanbaatar"),
        "other_patient": _person("maria@example.ph", org=platform, role=Role.PATIENT, zone="Asia/Manila"),
        "coordinator": _person("coordinator@haikou.test", org=orgs.haikou, role=Role.COORDINATOR,
                               language="zh-hans"),
        "coordinator_cq": _person("coordinator@chongqing.test", org=orgs.chongqing, role=Role.COORDINATOR,
                                  language="zh-hans"),
        "clinician": _person("dr.li@haikou.test", org=orgs.haikou, role=Role.CLINICIAN, language="zh-hans"),
        "interpreter": _person("interpreter@haikou.test", org=orgs.haikou, role=Role.INTERPRETER, language="mn"),
        "cashier": _person("cashier@haikou.test", org=orgs.haikou, role=Role.CASHIER, language="zh-hans"),
        "case_manager_cigna": _person("case@cigna.test", org=orgs.cigna, role=Role.INSURER_CASE_MANAGER),
        "case_manager_aetna": _person("case@aetna.test", org=orgs.aetna, role=Role.INSURER_CASE_MANAGER),
        "agent": _person("agent@silkroad.test", org=orgs.agency, role=Role.AGENCY_AGENT),
        "manager": _person("manager@haikou.test", org=orgs.haikou, role=Role.MANAGER, language="zh-hans"),
        "admin": _person("admin@carebridge.test", org=platform, role=Role.ADMIN),
    }


def _adult(patient_user, hospital):
    """Bilguun, a Mongolian adult who registered himself at Haikou: a patient of the same hospital."""
    from carebridge.patients.services import patient_register

    patient, _created = patient_register(
        registered_by=patient_user, hospital=hospital, acting_as="self",
        details={"family_name": "Ganbold", "given_names": "Bilguun", "sex": "male",
                 "date_of_birth": dt.date(1988, 3, 2), "nationality": "MN", "preferred_language": "mn",
                 "home_time_zone": "Asia/Ulaanbaatar", "phone": "+97699001122"},
        document={"kind": "passport", "mrz_format": "TD3", "issuing_state": "MNG", "number": "E55501234",
                  "expiry_date": dt.date(2031, 3, 1)},
        consents=["personal_data", "sensitive_health_data"],
    )
    return patient


def build_world():
    """Create the organisations, the personas and Temuulen's whole case; return everything by name."""
    from carebridge.audit.models import ConsentKind
    from carebridge.audit.services import consent_give
    from carebridge.billing import online
    from carebridge.billing import services as billing
    from carebridge.catalog.models import ExchangeRate, Service
    from carebridge.clinical.models import Order
    from carebridge.clinical.pathways.services import pathway_start
    from carebridge.clinical.services import translation_request
    from carebridge.insurance import services as insurance
    from carebridge.insurance.models import DirectBillingAgreement, PayerProfile
    from carebridge.interop.bulk.models import BulkExport, BulkExportFile
    from carebridge.interop.bulk.services import bulk_export_run, bulk_export_start, patient_group_create
    from carebridge.interop.referrals.services import referral_create
    from carebridge.interop.sharing.services import share_link_create
    from carebridge.interop.smart.services import smart_client_register
    from carebridge.interop.tests.clinical_data import temuulens_record
    from carebridge.interop.tests.test_sharing_links import issued_pdf
    from carebridge.language.models import InterpreterAssignment
    from carebridge.language.services import interpreter_request
    from carebridge.language.tests.conftest import pool_member
    from carebridge.notifications.services import in_app_message_send
    from carebridge.patients.models import InsurancePolicy
    from carebridge.patients.services import patient_document_upload
    from carebridge.patients.tests.factories import registered_child
    from carebridge.scheduling.services import appointment_book
    from carebridge.scheduling.tests.factories import at, consultation, doctor, open_slot, rooms, working_day

    orgs = SimpleNamespace(
        haikou=_org("haikou", OrganisationKind.HOSPITAL, "Haikou International Hospital"),
        chongqing=_org("chongqing", OrganisationKind.HOSPITAL, "Chongqing International Medical Centre"),
        cigna=_org("cigna", OrganisationKind.INSURER, "Cigna Global", "GB", "Europe/London", "USD"),
        aetna=_org("aetna", OrganisationKind.INSURER, "Aetna International", "US", "America/New_York", "USD"),
        agency=_org("silk-road", OrganisationKind.AGENCY, "Silk Road Health Travel"),
    )
    people = _people(orgs)
    haikou, guardian, clinician = orgs.haikou, people["guardian"], people["clinician"]
    coordinator, cashier = people["coordinator"], people["cashier"]

    adult = _adult(people["patient"], haikou)
    temuulen = registered_child(guardian=guardian, hospital=haikou)
    cross_border = consent_give(subject_public_id=temuulen.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER,
                                given_by=guardian, given_as="guardian", language="mn")

    # Booking, with the Haikou interpreter (who reads Mongolian) in the pool.
    pool_member(haikou, "", user=people["interpreter"], certification="medical")
    service = consultation(haikou)
    dr_chen = doctor(haikou, service)
    appointment = appointment_book(patient=temuulen, slot=open_slot(dr_chen, at(working_day(), 10)),
                                   service=service, booked_by=guardian)
    room_type = rooms(haikou)
    assignment = InterpreterAssignment.objects.filter(appointment=appointment).first() \
        or interpreter_request(appointment=appointment)

    # Clinical record: a final chest CT, a preliminary blood count, diagnoses, medicines, vaccines.
    record = temuulens_record(patient=temuulen, hospital=haikou, clinician=clinician)
    Order.objects.filter(pk=record.ct_order.pk).update(status=Order.Status.COMPLETED)
    translation = translation_request(report=record.ct, target_language="mn", actor=clinician)
    message = in_app_message_send(user=guardian, template="clinical/messages/report_ready",
                                  context={"patient": "Temuulen", "service": "Chest CT"},
                                  link=f"/portal/reports/{record.ct.public_id}/")
    pathway = pathway_start(patient=temuulen, hospital=haikou, key="vaccination_catch_up", started_by=clinician)
    step = pathway.steps.order_by("position").first()
    discharge = issued_pdf(temuulen, haikou)
    upload = _uploaded(temuulen, guardian, patient_document_upload)

    # Billing: rates, an estimate, the issued invoice and a payment by card.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for currency, rate in (("MNT", "480.00"), ("USD", "0.1380")):
        ExchangeRate.objects.create(date=yesterday, base="CNY", currency=currency, rate=Decimal(rate),
                                    source="manual")
    ct_service = Service.objects.get(hospital=haikou, code="ct-chest")
    estimate = billing.cost_estimate_create(
        hospital=haikou, patient=temuulen, title="Respiratory assessment", created_by=cashier,
        valid_until=timezone.localdate() + dt.timedelta(days=30),
        lines=[{"service": ct_service, "quantity": 1}])
    invoice = billing.invoice_draft_create(hospital=haikou, patient=temuulen, created_by=cashier)
    billing.invoice_line_add(invoice=invoice, description="Ward, 3 nights", unit_price="1280.00", quantity=3,
                             code="room-single", kind="room", created_by=cashier)
    invoice = billing.invoice_issue(invoice=invoice, issued_by=cashier)
    payment = billing.payment_record(hospital=haikou, patient=temuulen, channel="card", amount="500.00",
                                     currency="CNY", received_by=cashier, invoice=invoice)
    intent = online.payment_intent_record(patient=temuulen, hospital=haikou, purpose="invoice",
                                          created_by=guardian, invoice=invoice)

    # Insurance: Temuulen's Cigna policy, Haikou's agreement with Cigna, a GOP and a claim on the invoice.
    PayerProfile.objects.create(organisation=orgs.cigna, claims_email="claims@cigna.test")
    PayerProfile.objects.create(organisation=orgs.aetna, claims_email="claims@aetna.test")
    today = timezone.localdate()
    policy = InsurancePolicy.objects.create(patient=temuulen, payer=orgs.cigna, member_id="CG-8841-2207",
                                            plan_name="Cigna Global Gold", valid_from=today - dt.timedelta(days=200),
                                            valid_to=today + dt.timedelta(days=165))
    DirectBillingAgreement.objects.create(hospital=haikou, payer=orgs.cigna, covers_inpatient=True,
                                          covers_outpatient=True, gop_rule="never", gop_lead_hours=48,
                                          valid_from=today - dt.timedelta(days=365))
    admission = today + dt.timedelta(days=5)
    gop = insurance.gop_request(hospital=haikou, policy=policy, admission_date=admission,
                                discharge_date=admission + dt.timedelta(days=3),
                                diagnoses=[{"code": "J18.9", "display": "Pneumonia, unspecified"}],
                                treatment_plan="Admission for IV antibiotics and oxygen, 3 nights.",
                                requested_amount="20000.00", created_by=coordinator)
    insurance.gop_decide(gop=gop, decision="approve", by=people["case_manager_cigna"], organisation=orgs.cigna,
                         limit="20000.00")
    eligibility = insurance.eligibility_check(policy=policy, hospital=haikou, setting="inpatient",
                                              checked_by=coordinator)
    claim_invoice = billing.invoice_draft_create(hospital=haikou, patient=temuulen, created_by=cashier)
    billing.invoice_line_add(invoice=claim_invoice, description="Private nurse", unit_price="600.00",
                             code="nurse-private", kind="extra", created_by=cashier)
    claim_invoice = billing.invoice_issue(invoice=claim_invoice, issued_by=cashier)
    claim = insurance.claim_create(invoice=claim_invoice, by=cashier, policy=policy)

    # Interop: a share link, a referral to Chongqing, a bulk export with a file, a SMART client and an app token.
    link = share_link_create(patient=temuulen, created_by=guardian, label="Dr Bat, family clinic",
                             expires_in_days=30, document_ids=[discharge.public_id])
    referral = referral_create(patient=temuulen, from_hospital=haikou, to_hospital=orgs.chongqing,
                               requested_by=clinician, reason="Cardiology opinion: heart murmur",
                               reason_code="R01.1", document_ids=[discharge.public_id])
    group = patient_group_create(hospital=haikou, name="Mongolian families", created_by=clinician,
                                 members=[temuulen])
    export = bulk_export_start(hospital=haikou, level=BulkExport.Level.GROUP, group=group,
                               request_url="http://testserver/fhir/r4/Group/x/$export",
                               base_url="http://testserver/fhir/r4", types=["Patient"], requested_by=clinician)
    bulk_export_run(export_id=export.pk)
    export_file = BulkExportFile.objects.get(export=export)
    smart_client, _secret = smart_client_register(organisation=haikou, name="Haikou lab system",
                                                  auth_method="client_secret", allowed_scopes=["system/*.read"],
                                                  registered_by=coordinator)
    app_token = None  # not seeded: its routes are called with an id that does not exist

    objects = SimpleNamespace(
        temuulen=temuulen, adult=adult, assignment=assignment, dr_chen=dr_chen, eligibility=eligibility,
        guardianship=temuulen.guardianships.get(), cross_border=cross_border, appointment=appointment, service=service,
        room_type=room_type, record=record, translation=translation, message=message, pathway=pathway, step=step,
        discharge=discharge, upload=upload, estimate=estimate, invoice=invoice, payment=payment, intent=intent,
        policy=policy, gop=gop, claim=claim, claim_invoice=claim_invoice, link=link, referral=referral,
        group=group, export=export, export_file=export_file, smart_client=smart_client, app_token=app_token,
    )
    return SimpleNamespace(orgs=orgs, people=people, objects=objects)


def _uploaded(patient, guardian, upload_service):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("discharge.pdf", b"%PDF-1.4\n% discharge summary\n%%EOF\n",
                                content_type="application/pdf")
    return upload_service(patient=patient, actor=guardian, upload=upload, kind="discharge_summary", language="mn",
                          title="Discharge summary, Ulaanbaatar")


MISSING = uuid.UUID("00000000-0000-4000-8000-00000000dead")
