from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "carebridge.billing"
    verbose_name = _("Billing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from carebridge.billing import demo, tasks  # noqa: F401 - the demo receiver and the job handlers
