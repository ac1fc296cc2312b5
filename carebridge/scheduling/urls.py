from django.urls import path

from carebridge.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("book/", views.service_choose, name="service_choose"),
    path("book/<uuid:service_id>/", views.availability, name="availability"),
    path("appointments/", views.appointment_list, name="appointment_list"),
    path("appointments/<uuid:public_id>/", views.appointment_detail, name="appointment_detail"),
    path("appointments/<uuid:public_id>/invite.ics", views.appointment_invite, name="appointment_invite"),
    path("appointments/<uuid:public_id>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path("appointments/<uuid:public_id>/confirm/", views.appointment_confirm, name="appointment_confirm"),
    path("appointments/<uuid:public_id>/reschedule/", views.appointment_reschedule, name="appointment_reschedule"),
    path("desk/check-in/<str:code>/", views.check_in, name="check_in"),
    path("hospitals/<uuid:hospital_id>/rooms/", views.rooms, name="rooms"),
]
