from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "carebridge.scheduling"
    label = "scheduling"
    verbose_name = _("Scheduling")

    def ready(self):
        from carebridge.scheduling import demo, tasks  # noqa: F401 - the demo receiver and the reminder jobs
