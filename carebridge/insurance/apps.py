from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuranceConfig(AppConfig):
    name = "carebridge.insurance"
    label = "insurance"
    verbose_name = _("Insurance")

    def ready(self):
        # The demo receiver, the deadline jobs and the claim pack's sending job.
        from carebridge.insurance import claim_pack, demo, tasks  # noqa: F401
