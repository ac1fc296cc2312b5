"""The project's URLs plus bare views: the baselines the benches compare with."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as project_urlpatterns


def bare(request):
    """Answer as little as Django can."""
    return HttpResponse("ok")


@csrf_exempt
def bare_insert(request):
    """Insert one row and answer: the least a booking could cost."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_insert (at) VALUES (%s)", [timezone.now()])
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), path("bench/insert/", bare_insert), *project_urlpatterns]
