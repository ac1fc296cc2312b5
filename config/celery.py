"""The Celery app; workers run outbox jobs when REDIS_URL is set."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
app = Celery("carebridge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {"jobs-sweep": {"task": "carebridge.core.tasks.jobs_sweep_task", "schedule": 30.0}}
