# The IPS import record (carebridge/interop/ips/models.py) only: other interop models have their own migrations.

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("interop", "0001_sharing"),
        ("accounts", "0001_initial"),
        ("patients", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IpsImport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True,
                                               verbose_name="public id")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("bundle_identifier", models.CharField(max_length=400, verbose_name="document identifier")),
                ("document_date", models.DateTimeField(blank=True, null=True, verbose_name="date of the summary")),
                ("source_organisation", models.CharField(blank=True, max_length=300, verbose_name="issued by")),
                ("source_country", models.CharField(blank=True, max_length=2, verbose_name="country of origin")),
                ("language", models.CharField(blank=True, max_length=35, verbose_name="language of the summary")),
                ("via", models.CharField(choices=[("portal", "Uploaded by the patient or guardian"),
                                                  ("desk", "Uploaded by a coordinator"),
                                                  ("fhir", "Sent through the FHIR API")],
                                         max_length=10, verbose_name="how it came")),
                ("identity_confirmed_by_staff", models.BooleanField(default=False)),
                ("bundle", models.JSONField(verbose_name="the summary as received")),
                ("sha256", models.CharField(max_length=64)),
                ("counts", models.JSONField(default=dict)),
                ("imported_by", models.ForeignKey(blank=True, null=True,
                                                  on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                  to=settings.AUTH_USER_MODEL)),
                ("imported_for", models.ForeignKey(blank=True, null=True,
                                                   on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                   to="accounts.organisation")),
                ("patient", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                              related_name="ips_imports", to="patients.patient")),
            ],
            options={
                "ordering": ["-created_at"],
                "constraints": [models.UniqueConstraint(fields=("patient", "bundle_identifier"),
                                                        name="ips_import_once_per_patient")],
            },
        ),
    ]
