from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "carebridge.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from carebridge.catalog import demo  # noqa: F401 - connects the demo-data receiver
