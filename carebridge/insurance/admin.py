from django.contrib import admin

from carebridge.insurance.models import DirectBillingAgreement, PayerProfile


@admin.register(PayerProfile)
class PayerProfileAdmin(admin.ModelAdmin):
    list_display = ("organisation", "kind", "claim_channel", "claims_email", "phone_24h")
    list_filter = ("kind", "claim_channel")


@admin.register(DirectBillingAgreement)
class DirectBillingAgreementAdmin(admin.ModelAdmin):
    list_display = ("hospital", "payer", "covers_inpatient", "covers_outpatient", "gop_rule", "valid_from",
                    "valid_until", "is_active")
    list_filter = ("hospital", "payer", "is_active", "gop_rule")
