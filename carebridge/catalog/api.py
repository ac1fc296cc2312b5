"""API of the catalog: services and packages with prices in any currency (public), and exchange rates (staff)."""

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from carebridge.catalog import selectors
from carebridge.catalog.access import rate_keeper_require
from carebridge.catalog.models import PackageStation, Service
from carebridge.catalog.presenters import converted
from carebridge.catalog.rate_files import MAX_FILE_BYTES, RATE_SOURCES
from carebridge.catalog.services import exchange_rate_enter, exchange_rates_import
from carebridge.core.api_support import SessionAuth
from carebridge.core.errors import ValidationFailed
from carebridge.core.schemas import ErrorOut

router = Router(tags=["catalog"])
ServiceKind = Literal[tuple(Service.Kind.values)]  # type: ignore[valid-type]
CURRENCY_DOC = "ISO 4217 code of the currency to show prices in beside CNY (CNY by default)."


class DepartmentOut(Schema):
    id: UUID
    code: str
    name: str


class StationOut(Schema):
    order: int
    name: str
    area: Literal[tuple(PackageStation.Area.values)]  # type: ignore[valid-type]
    area_label: str
    duration_minutes: int
    capacity: int


class ServiceOut(Schema):
    id: UUID
    hospital_id: UUID
    code: str
    kind: ServiceKind
    kind_label: str
    name: str = Field(description="In the caller's language when a translation exists.")
    description: str
    preparation: str
    department: DepartmentOut | None
    duration_minutes: int
    price_cny: Decimal
    currency: str = Field(description="The currency of `price`.")
    price: Decimal = Field(description="price_cny in `currency`, rounded to its minor unit.")
    rate: Decimal = Field(description="1 CNY = rate currency.")
    rate_date: dt.date | None = Field(description="The day the rate was published; null for CNY.")
    rate_source: str


class ServiceDetailOut(ServiceOut):
    stations: list[StationOut]


class RateOut(Schema):
    currency: str
    rate: Decimal = Field(description="1 CNY = rate currency (crossed through EUR for ECB rates).")
    date: dt.date | None
    source: str
    base: str = Field(description="The stored rate's base: EUR for ECB rates, CNY for direct rates staff entered.")


class RateIn(Schema):
    date: dt.date
    currency: str = Field(min_length=3, max_length=3)
    rate: Decimal = Field(gt=0, max_digits=18, decimal_places=8)
    base: Literal["CNY", "EUR"] = "CNY"


class StoredRateOut(Schema):
    date: dt.date
    base: str
    currency: str
    rate: Decimal
    source: str


class ImportOut(Schema):
    dates: list[dt.date]
    created: int
    updated: int
    unchanged: int


def _service_out(service, info):
    department = service.department
    return {
        "id": service.public_id, "hospital_id": service.hospital.public_id, "code": service.code,
        "kind": service.kind, "kind_label": service.get_kind_display(), "name": service.translated("name"),
        "description": service.translated("description"), "preparation": service.translated("preparation"),
        "department": {"id": department.public_id, "code": department.code, "name": department.translated("name")}
        if department else None,
        "duration_minutes": service.duration_minutes, "price_cny": service.price, "currency": info.currency,
        "price": converted(service.price, info) if info.currency != selectors.HOME else service.price,
        "rate": info.rate, "rate_date": info.date, "rate_source": info.source,
    }


def _rate_out(info):
    return {"currency": info.currency, "rate": info.rate, "date": info.date, "source": info.source,
            "base": info.base}


@router.get("/hospitals/{hospital_id}/services", response={200: list[ServiceOut], 400: ErrorOut, 404: ErrorOut},
            auth=None, summary="A hospital's services and prices")
@paginate(PageNumberPagination, page_size=50)
def services_list(request, hospital_id: UUID, kind: ServiceKind | None = None, department: str | None = None,
                  currency: str = Query("CNY", max_length=3, description=CURRENCY_DOC)):
    """List a hospital's services (filter by kind and department code or id) with prices in CNY and `currency`."""
    hospital = selectors.hospital_by(public_id=hospital_id)
    if hospital is None:
        raise Http404
    info = selectors.rate_for(currency)
    return [_service_out(s, info) for s in selectors.service_list(hospital=hospital, kind=kind,
                                                                  department=department)]


@router.get("/services/{service_id}", response={200: ServiceDetailOut, 400: ErrorOut, 404: ErrorOut}, auth=None,
            summary="One service, with a package's stations")
def services_read(request, service_id: UUID, currency: str = Query("CNY", max_length=3, description=CURRENCY_DOC)):
    """Return a service with its preparation guide and, for a package, its stations in order."""
    service = selectors.service_get(public_id=service_id)
    if service is None:
        raise Http404
    info = selectors.rate_for(currency)
    return {**_service_out(service, info), "stations": [
        {"order": s.order, "name": s.translated("name"), "area": s.area, "area_label": s.get_area_display(),
         "duration_minutes": s.duration_minutes, "capacity": s.capacity} for s in service.stations.all()]}


@router.get("/exchange-rates", response={200: list[RateOut], 400: ErrorOut}, auth=None,
            summary="The latest exchange rates from CNY")
def exchange_rates_list(request, currency: str | None = Query(None, max_length=3, description="One currency only."),
                        on: dt.date | None = None):
    """Return the newest rate on or before `on` (today) for each currency, or for the one asked."""
    return [_rate_out(info) for info in selectors.latest_rates(currency=currency, on=on)]


@router.post("/exchange-rates/import", response={200: ImportOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
             auth=SessionAuth(), summary="Import an ECB-style rate file (staff)")
def exchange_rates_import_file(request, file: File[UploadedFile],
                               source: Form[Literal[RATE_SOURCES]] = "ECB"):  # type: ignore[valid-type]
    """Import eurofxref XML or CSV (1 EUR = rate); a bad file is refused whole and nothing is written."""
    rate_keeper_require(user=request.auth, request=request)
    if file.size > MAX_FILE_BYTES:
        raise ValidationFailed(details={"file": [_("The file is larger than 10 MB.")]}, code="rate_file_too_large")
    result = exchange_rates_import(content=file.read(), filename=file.name or "", source=source,
                                   imported_by=request.auth, request=request)
    return {"dates": result.dates, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged}


@router.post("/exchange-rates", response={201: StoredRateOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut,
                                          409: ErrorOut}, auth=SessionAuth(), summary="Enter one rate (staff)")
def exchange_rates_enter(request, payload: RateIn):
    """Record one rate typed by staff: 1 `base` = `rate` `currency` on `date` (source manual)."""
    rate_keeper_require(user=request.auth, request=request)
    row = exchange_rate_enter(date=payload.date, base=payload.base, currency=payload.currency, rate=payload.rate,
                              entered_by=request.auth, request=request)
    return Status(201, {"date": row.date, "base": row.base, "currency": row.currency, "rate": row.rate,
                        "source": row.source})
