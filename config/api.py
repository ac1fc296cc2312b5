"""The JSON API at /api/v1 (django-ninja); OpenAPI at /api/v1/docs and /api/v1/openapi.json."""

from ninja import NinjaAPI

from carebridge.accounts.api import router as accounts_router
from carebridge.audit.api import router as audit_router
from carebridge.catalog.api import router as catalog_router
from carebridge.core.api_support import BearerTokenAuth, SessionAuth, install_error_handlers
from carebridge.patients.api import router as patients_router
from carebridge.scheduling.api import router as scheduling_router

api = NinjaAPI(
    title="CareBridge API",
    version="1",
    description=(
        "CareBridge's JSON API for hospitals' international departments, their patients, insurers and agencies. "
        "Browsers authenticate with their session (CSRF token on writes); organisations' systems with a bearer "
        "token created by an administrator and limited to scopes. Errors share one body: "
        "`{code, message, details}`, where `code` is stable and `message` is in the caller's language "
        "(Accept-Language or the user's preference). Lists are paginated with `page` and `page_size`."
    ),
    auth=[SessionAuth(), BearerTokenAuth()],
    urls_namespace="api",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/", audit_router)
api.add_router("/", "carebridge.language.api.router")
api.add_router("/", catalog_router)
api.add_router("/", patients_router)
api.add_router("/", scheduling_router)
api.add_router("/", "carebridge.clinical.api.router")
api.add_router("/", "carebridge.clinical.pathways.api.router")
api.add_router("/", "carebridge.documents.api.router")
api.add_router("/", "carebridge.billing.api.router")
api.add_router("/", "carebridge.billing.api_online.router")
api.add_router("/", "carebridge.interop.sharing.api.router")
api.add_router("/", "carebridge.interop.referrals.api.router")
api.add_router("/", "carebridge.billing.api_bank.router")
api.add_router("/", "carebridge.insurance.api.router")
api.add_router("/", "carebridge.interop.smart.api.router")
