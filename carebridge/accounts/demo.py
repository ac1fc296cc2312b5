"""The demo cast: two hospitals, five insurers, two agencies, and a staff account for every role."""

from carebridge.accounts.models import OrganisationKind, Role

DEMO_PASSWORD = "carebridge-demo-2026"
# Known TOTP keys (hex) so a newcomer can add them to an authenticator app, or run `manage.py demo_totp`.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"

ORGANISATIONS = [
    # slug, name, local name, kind, country, city, time zone, currency
    ("haikou-intl", "Haikou International Hospital", "海口国际医院", OrganisationKind.HOSPITAL, "CN", "Haikou",
     "Asia/Shanghai", "CNY"),
    ("chongqing-intl", "Chongqing International Medical Centre", "重庆国际医疗中心", OrganisationKind.HOSPITAL, "CN",
     "Chongqing", "Asia/Shanghai", "CNY"),
    ("bupa-global", "Bupa Global", "", OrganisationKind.INSURER, "GB", "London", "Europe/London", "GBP"),
    ("aetna-international", "Aetna International", "", OrganisationKind.INSURER, "US", "Hartford",
     "America/New_York", "USD"),
    ("cigna-global", "Cigna Global", "", OrganisationKind.INSURER, "GB", "Greenock", "Europe/London", "USD"),
    ("axa", "AXA", "", OrganisationKind.INSURER, "FR", "Paris", "Europe/Paris", "EUR"),
    ("allianz-care", "Allianz Care", "", OrganisationKind.INSURER, "IE", "Dublin", "Europe/Dublin", "EUR"),
    ("silk-road-health-travel", "Silk Road Health Travel", "丝路健康旅行社", OrganisationKind.AGENCY, "CN", "Haikou",
     "Asia/Shanghai", "CNY"),
    ("gulf-wellness-tours", "Gulf Wellness Tours", "", OrganisationKind.AGENCY, "AE", "Dubai", "Asia/Dubai", "AED"),
]

STAFF = [
    # e-mail, name, language, organisation slug, role
    ("coordinator@haikou.demo", "Lin Xiaoyu", "zh-hans", "haikou-intl", Role.COORDINATOR),
    ("clinician@haikou.demo", "Dr Chen Wei", "zh-hans", "haikou-intl", Role.CLINICIAN),
    ("interpreter@haikou.demo", "Bat-Erdene Sukh", "mn", "haikou-intl", Role.INTERPRETER),
    ("cashier@haikou.demo", "Wang Fang", "zh-hans", "haikou-intl", Role.CASHIER),
    ("manager@haikou.demo", "Zhao Min", "zh-hans", "haikou-intl", Role.MANAGER),
    ("coordinator@chongqing.demo", "Liu Yang", "zh-hans", "chongqing-intl", Role.COORDINATOR),
    ("clinician@chongqing.demo", "Dr Li Na", "zh-hans", "chongqing-intl", Role.CLINICIAN),
    ("casemanager@cigna.demo", "Sarah Tan", "en", "cigna-global", Role.INSURER_CASE_MANAGER),
    ("casemanager@aetna.demo", "James Miller", "en", "aetna-international", Role.INSURER_CASE_MANAGER),
    ("agent@silkroad.demo", "Zhou Jie", "zh-hans", "silk-road-health-travel", Role.AGENCY_AGENT),
    ("admin@carebridge.demo", "Platform Admin", "en", "carebridge", Role.ADMIN),
]

PORTAL_USERS = [
    # e-mail, name, language, time zone, role
    ("oyunaa@patient.demo", "Oyunaa Bold", "mn", "Asia/Ulaanbaatar", Role.GUARDIAN),
    ("tan.family@patient.demo", "Tan Wei Ming", "en", "Asia/Singapore", Role.GUARDIAN),
    ("maria@patient.demo", "Maria Santos", "en", "Asia/Manila", Role.PATIENT),
]
