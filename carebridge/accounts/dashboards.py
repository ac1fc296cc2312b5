"""What each role's dashboard offers: the shell later features fill in."""

from django.utils.translation import gettext_lazy as _

from carebridge.accounts.models import Role

ROLE_TASKS = {
    Role.PATIENT: [_("Your record and documents"), _("Your consents"), _("Language and time zone")],
    Role.GUARDIAN: [_("The records of the children in your care"), _("Your consents"), _("Language and time zone")],
    Role.COORDINATOR: [_("Registration desk"), _("Today's arrivals"), _("Interpreter requests")],
    Role.CLINICIAN: [_("Patients in your care today"), _("Reports to sign"), _("Referrals")],
    Role.INTERPRETER: [_("Your interpreting appointments"), _("Offers to accept"), _("Hours worked")],
    Role.CASHIER: [_("Invoices to settle"), _("Deposits"), _("Today's payments")],
    Role.INSURER_CASE_MANAGER: [_("Guarantees of payment to decide"), _("Claims"), _("Messages")],
    Role.AGENCY_AGENT: [_("Group bookings"), _("Itineraries"), _("Packages")],
    Role.MANAGER: [_("Patients by nationality"), _("Revenue by payer"), _("Service times")],
    Role.ADMIN: [_("Organisations and staff"), _("API tokens"), _("Audit log")],
}
