from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "carebridge.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from carebridge.notifications import tasks  # noqa: F401 - registers the job handlers
