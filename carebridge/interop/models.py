from carebridge.interop.sharing.models import ShareLink, ShareLinkAccess  # noqa: F401
