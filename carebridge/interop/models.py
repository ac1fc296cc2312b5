from carebridge.interop.bulk.models import BulkExport, BulkExportFile, PatientGroup  # noqa: F401
from carebridge.interop.ips.models import IpsImport  # noqa: F401
from carebridge.interop.referrals.models import Referral  # noqa: F401
from carebridge.interop.sharing.models import ShareLink, ShareLinkAccess  # noqa: F401
from carebridge.interop.smart.models import (  # noqa: F401
    AuthorizationCode,
    ClientAssertionUse,
    SmartClient,
    SmartToken,
)
