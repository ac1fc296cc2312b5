"""Booking pages: find a time in one's own time zone, book it, see it, move or cancel it; the desk's day and check-in."""

import base64
import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carebridge.accounts.access import deny
from carebridge.accounts.models import Organisation, OrganisationKind
from carebridge.catalog.models import Service
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.core.i18n import language_name
from carebridge.core.ids import is_uuid
from carebridge.patients.access import desk_hospitals, patient_get_for_user, patients_visible_to_user
from carebridge.patients.selectors import portal_patients
from carebridge.scheduling import selectors, services
from carebridge.scheduling.access import appointment_get_for_user
from carebridge.scheduling.forms import AvailabilityForm, BookForm, CancelForm, RoomSearchForm
from carebridge.scheduling.invites import appointment_ics
from carebridge.scheduling.models import Appointment, RoomType, Slot

BOOKABLE_KINDS = ("consultation", "international_clinic", "imaging", "checkup_package", "tcm_package")


def _not_found(request, object_type, object_id):
    try:
        deny(user=request.user, request=request, object_type=object_type, object_id=object_id, reason="not_related")
    except NotFound:
        raise Http404 from None


def _patient_for_booking(request, public_id):
    try:
        return patient_get_for_user(user=request.user, public_id=public_id, request=request, manage=True,
                                    purpose="booking")
    except NotFound:
        raise Http404 from None


def _choosable_patients(request):
    return list(patients_visible_to_user(request.user).order_by("family_name")[:200]) if desk_hospitals(
        request.user) else list(portal_patients(request.user))


@login_required
def service_choose(request):
    """Choose whom to book for, the hospital and the service."""
    patients = _choosable_patients(request)
    hospitals = Organisation.objects.filter(kind=OrganisationKind.HOSPITAL).order_by("name")
    services_by_hospital = {
        hospital: list(Service.objects.filter(hospital=hospital, is_active=True, kind__in=BOOKABLE_KINDS))
        for hospital in hospitals
    }
    return render(request, "scheduling/service_choose.html", {"patients": patients, "services": services_by_hospital})


@login_required
@require_http_methods(["GET", "POST"])
def availability(request, service_id):
    """Show free times for a service in the patient's home time zone and the hospital's, and book one."""
    service = get_object_or_404(Service.objects.select_related("hospital"), public_id=service_id, is_active=True)
    patient_id = request.POST.get("patient") or request.GET.get("patient")
    if not patient_id:
        patients = _choosable_patients(request)
        if not patients:
            return redirect("patients:register_passport")
        patient_id = str(patients[0].public_id)
    patient = _patient_for_booking(request, patient_id)
    form = AvailabilityForm(request.GET or None, initial={"language": patient.preferred_language})
    form.fields["language"].widget.choices = [("", _("Any language")), *_language_choices(patient)]
    taken_alternatives = None
    if request.method == "POST":
        book = BookForm(request.POST)
        if book.is_valid():
            slot = Slot.objects.select_related("clinician", "hospital", "package").filter(
                public_id=book.cleaned_data["slot"]).first()
            if slot is None:
                messages.error(request, _("This time is not available any more."))
            else:
                try:
                    appointment = services.appointment_book(patient=patient, slot=slot, service=service,
                                                            booked_by=request.user, note=book.cleaned_data["note"],
                                                            request=request)
                except services.SlotTaken as exc:
                    messages.error(request, exc.message)
                    taken_alternatives = exc.details.get("alternatives", [])
                except CareBridgeError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, _("Booked. A confirmation with a calendar invitation is on its way."))
                    return redirect("scheduling:appointment_detail", public_id=appointment.public_id)
    today = timezone.localdate()
    # A week at a time keeps the page light on a roaming phone (under 150 KB); later weeks are a search away.
    criteria = {"date_from": today, "date_to": today + dt.timedelta(days=7), "language": ""}
    if form.is_bound and form.is_valid():
        criteria = form.cleaned_data
    slots = selectors.availability(hospital=service.hospital, service=service, date_from=criteria["date_from"],
                                   date_to=criteria["date_to"], language=criteria.get("language") or None)
    clinicians = [] if service.kind == "checkup_package" else selectors.first_free_by_clinician(
        hospital=service.hospital, service=service, language=patient.preferred_language)
    return render(request, "scheduling/availability.html", {
        "service": service, "patient": patient, "form": form, "slots": slots[:300], "clinicians": clinicians,
        "book_form": BookForm(initial={"patient": patient.public_id}), "alternatives": taken_alternatives,
        "hospital_zone": service.hospital.time_zone,
    }, status=409 if taken_alternatives is not None else 200)


def _language_choices(patient):
    codes = {patient.preferred_language, "en", "zh-hans", "ru", "mn", "ar", "ko", "ja", "vi", "th", "fr", "es", "ur"}
    return sorted(((code, language_name(code)) for code in codes if code), key=lambda pair: pair[1])


@login_required
def appointment_list(request):
    """List the appointments of one's own and one's wards' records, or of the desk's day for coordinators."""
    hospitals = desk_hospitals(request.user)
    if hospitals:
        day = _day_param(request)
        appointments = selectors.appointments_on_day(hospital=hospitals[0], day=day)
        return render(request, "scheduling/desk_day.html", {"hospital": hospitals[0], "day": day,
                                                             "appointments": appointments})
    appointments = selectors.appointments_of_patients(portal_patients(request.user))
    return render(request, "scheduling/appointment_list.html", {"appointments": appointments})


def _day_param(request):
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


def _qr_data_uri(text):
    svg = segno.make(text, error="m").svg_inline(scale=4, dark="#111", light="#fff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@login_required
def appointment_detail(request, public_id):
    """Show an appointment in both time zones, with its check-in QR code, invitation and itinerary."""
    try:
        appointment = appointment_get_for_user(user=request.user, public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None
    check_in_url = request.build_absolute_uri(reverse("scheduling:check_in", args=[appointment.check_in_code]))
    return render(request, "scheduling/appointment_detail.html", {
        "appointment": appointment, "patient": appointment.patient, "qr": _qr_data_uri(check_in_url),
        "itinerary": appointment.itinerary.select_related("station"), "cancel_form": CancelForm(),
        "can_change": appointment.is_live and appointment.relation in ("patient", "desk"),
    })


@login_required
def appointment_invite(request, public_id):
    """Download the appointment as an iCalendar invitation."""
    try:
        appointment = appointment_get_for_user(user=request.user, public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(appointment_ics(appointment, language=request.LANGUAGE_CODE),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.public_id}.ics"'
    return response


@login_required
@require_POST
def appointment_cancel(request, public_id):
    """Cancel an appointment (patients up to the hospital's cut-off; the desk any time)."""
    try:
        appointment = appointment_get_for_user(user=request.user, public_id=public_id, request=request, manage=True)
    except NotFound:
        raise Http404 from None
    form = CancelForm(request.POST)
    try:
        services.appointment_cancel(appointment=appointment, actor=request.user,
                                    actor_is_staff=appointment.relation == "desk",
                                    reason=form.data.get("reason", "")[:200], request=request)
        messages.success(request, _("The appointment is cancelled."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect("scheduling:appointment_detail", public_id=appointment.public_id)


@login_required
@require_POST
def appointment_confirm(request, public_id):
    """Confirm a booked appointment (the desk)."""
    try:
        appointment = appointment_get_for_user(user=request.user, public_id=public_id, request=request, manage=True)
        if appointment.relation != "desk":
            raise NotFound()
    except NotFound:
        raise Http404 from None
    try:
        services.appointment_confirm(appointment=appointment, actor=request.user, request=request)
        messages.success(request, _("The appointment is confirmed."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect("scheduling:appointment_detail", public_id=appointment.public_id)


@login_required
@require_POST
def appointment_reschedule(request, public_id):
    """Move an appointment to another free time."""
    try:
        appointment = appointment_get_for_user(user=request.user, public_id=public_id, request=request, manage=True)
    except NotFound:
        raise Http404 from None
    slot_id = request.POST.get("slot", "")
    slot = Slot.objects.select_related("clinician", "hospital").filter(public_id=slot_id).first() if is_uuid(
        slot_id) else None
    if slot is None:
        messages.error(request, _("This time is not available any more."))
        return redirect("scheduling:appointment_detail", public_id=appointment.public_id)
    try:
        moved = services.appointment_reschedule(appointment=appointment, slot=slot, actor=request.user,
                                                actor_is_staff=appointment.relation == "desk", request=request)
    except CareBridgeError as exc:
        messages.error(request, exc.message)
        return redirect("scheduling:appointment_detail", public_id=appointment.public_id)
    messages.success(request, _("The appointment is moved."))
    return redirect("scheduling:appointment_detail", public_id=moved.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request, code):
    """Check a patient in from the QR code on their phone (desk staff of the hospital only)."""
    appointment = Appointment.objects.select_related("patient", "hospital", "service").filter(
        check_in_code=code).first()
    if appointment is None or appointment.hospital not in desk_hospitals(request.user):
        _not_found(request, "appointment", code)
    if request.method == "POST":
        try:
            services.appointment_check_in(appointment=appointment, actor=request.user, request=request)
            messages.success(request, _("Checked in."))
        except CareBridgeError as exc:
            messages.error(request, exc.message)
        return redirect("scheduling:check_in", code=code)
    return render(request, "scheduling/check_in.html", {"appointment": appointment})


@login_required
@require_http_methods(["GET", "POST"])
def rooms(request, hospital_id):
    """Find room types free for the nights wanted, with their extras, and book one."""
    hospital = get_object_or_404(Organisation, public_id=hospital_id, kind=OrganisationKind.HOSPITAL)
    patients = _choosable_patients(request)
    form = RoomSearchForm(request.GET or None)
    free = []
    if form.is_bound and form.is_valid():
        free = services.room_types_free(hospital=hospital, check_in=form.cleaned_data["check_in"],
                                        check_out=form.cleaned_data["check_out"])
    if request.method == "POST":
        patient = _patient_for_booking(request, request.POST.get("patient", ""))
        room_type = get_object_or_404(RoomType, public_id=request.POST.get("room_type"), hospital=hospital)
        try:
            booking = services.room_book(
                patient=patient, room_type=room_type, check_in=dt.date.fromisoformat(request.POST["check_in"]),
                check_out=dt.date.fromisoformat(request.POST["check_out"]), booked_by=request.user,
                extras=request.POST.getlist("extras"), request=request)
        except (CareBridgeError, ValueError, KeyError) as exc:
            messages.error(request, getattr(exc, "message", _("Check the dates.")))
        else:
            messages.success(request, _("Room %(number)s is booked.") % {"number": booking.room.number})
            return redirect(f"{reverse('scheduling:rooms', args=[hospital.public_id])}")
    return render(request, "scheduling/rooms.html", {"hospital": hospital, "form": form, "free": free,
                                                     "patients": patients,
                                                     "room_types": RoomType.objects.filter(hospital=hospital)})
