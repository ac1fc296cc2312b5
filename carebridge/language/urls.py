from django.urls import path

from carebridge.language import views

app_name = "language"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("pool/", views.pool, name="pool"),
    path("mine/", views.mine, name="mine"),
    path("navigators/", views.navigators, name="navigators"),
    path("assignments/<uuid:public_id>/", views.assignment_detail, name="assignment"),
    path("assignments/<uuid:public_id>/accept/", views.offer_answer, {"answer": "accept"}, name="accept"),
    path("assignments/<uuid:public_id>/decline/", views.offer_answer, {"answer": "decline"}, name="decline"),
    path("assignments/<uuid:public_id>/complete/", views.assignment_complete, name="complete"),
]
