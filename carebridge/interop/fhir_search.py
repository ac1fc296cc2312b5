"""FHIR search: strict parameter parsing, the value syntaxes (token, date, reference), and searchset Bundles."""

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import F, Q
from django.utils.translation import gettext as _

from carebridge.interop.access import as_uuid
from carebridge.interop.fhir import checked, resource_id_of, resource_type_of

DEFAULT_COUNT = 20
MAX_COUNT = 100
# Result parameters this server understands besides the search parameters of each resource.
PAGING_PARAMETERS = ("_count", "_offset")
RESULT_PARAMETERS = (*PAGING_PARAMETERS, "_sort", "_include", "_format")
# _format may be sent with any interaction; this server speaks JSON only.
JSON_FORMATS = {"json", "application/json", "application/fhir+json"}
# Modifiers accepted per parameter type; any other is refused rather than ignored.
MODIFIERS = {"string": {"", "contains"}, "token": {""}, "date": {""}, "reference": {""}}
DATE_PREFIXES = ("eq", "ne", "lt", "gt", "ge", "le")
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class SearchParam:
    """A search parameter a resource supports: its FHIR type and what it matches."""

    type: str
    documentation: str


class SearchError(Exception):
    """Refuse a search this server cannot run exactly as asked (400 OperationOutcome)."""

    def __init__(self, message, *, code="invalid"):
        self.code = code
        self.message = message
        super().__init__(message)


# Parameters every resource with a row of its own supports (its id and when it last changed).
COMMON_PARAMS = {
    "_id": SearchParam("token", "The resource's logical id; commas for several."),
    "_lastUpdated": SearchParam("date", "When the resource last changed; prefixes eq, ne, lt, gt, ge, le."),
}


@dataclass
class Search:
    """A parsed search: the values of each parameter (repeats are ANDed), the order, includes and page asked for.

    `used` keeps the parameters as given (with modifiers) that the search honours: the self link names exactly
    those, so a parameter ignored under lenient handling does not appear in it.
    """

    values: dict = field(default_factory=dict)
    count: int = DEFAULT_COUNT
    offset: int = 0
    sort: list = field(default_factory=list)  # (parameter name, descending) pairs
    order_by: list = field(default_factory=list)  # the ordering expressions of `sort`
    includes: list = field(default_factory=list)  # (include name, what it follows) pairs
    used: list = field(default_factory=list)
    common: bool = False  # _id and _lastUpdated apply (filtered in `page`)

    def each(self, name):
        """Return the OR-lists of one parameter: one list per occurrence, one item per comma-separated value."""
        return [split_or(value) for value in self.values.get(name, [])]


def handling_strict(request):
    """Tell whether the caller asked for strict handling (`Prefer: handling=strict`); lenient is the default."""
    prefer = request.META.get("HTTP_PREFER", "")
    return any(part.strip().replace(" ", "") == "handling=strict" for part in re.split(r"[,;]", prefer))


def search_parse(query, *, params, sorts=None, includes=None, common=False, strict=False):
    """Parse a query string against the parameters a resource supports.

    A parameter, sort key or include the server does not know is ignored (FHIR's lenient handling, the default)
    or refused with 400 when the caller prefers strict handling. An unsupported modifier is always refused: it
    would change what a known parameter means. `sorts` maps a sort key to the fields it orders by; `includes`
    maps an `_include` value to what it follows; `common` adds _id and _lastUpdated.
    """
    params = {**COMMON_PARAMS, **params} if common else params
    search = Search()

    def unknown(message):
        if strict:
            raise SearchError(message, code="not-supported")

    for key in query:
        name, _sep, modifier = key.partition(":")
        if name in PAGING_PARAMETERS and not modifier:
            continue
        if key == "_format":
            _json_format_check(query.getlist(key))
            continue
        if key == "_sort":
            _sort_parse(search, query.getlist(key), sorts or {}, unknown)
            continue
        if key == "_include":
            _include_parse(search, query.getlist(key), includes or {}, unknown)
            continue
        if name not in params:
            unknown(_("This server does not support the search parameter %(name)s.") % {"name": key})
            continue
        if modifier not in MODIFIERS[params[name].type]:
            raise SearchError(_("This server does not support the modifier of %(name)s.") % {"name": key},
                              code="not-supported")
        values = [value.strip() for value in query.getlist(key) if value.strip()]
        search.values.setdefault(name, []).extend(values)
        search.used += [(key, value) for value in values]
    search.count = min(_whole_number(query, "_count", DEFAULT_COUNT), MAX_COUNT)
    search.offset = _whole_number(query, "_offset", 0)
    search.common = common
    return search


def _sort_parse(search, values, sorts, unknown):
    for value in values:
        for key in (part.strip() for part in value.split(",") if part.strip()):
            descending = key.startswith("-")
            name = key.removeprefix("-")
            if name not in sorts:
                unknown(_("This server cannot sort by %(name)s.") % {"name": name})
                continue
            search.sort.append((name, descending))
            search.order_by += [F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
                                for field in sorts[name]]


def _include_parse(search, values, includes, unknown):
    for value in values:
        parts = value.strip().split(":")
        name = ":".join(parts[:2])
        follows = includes.get(name)
        if follows is None or (len(parts) == 3 and parts[2] != follows[0]) or len(parts) > 3:
            unknown(_("This server does not support _include=%(name)s.") % {"name": value})
            continue
        if name not in {included for included, _follows in search.includes}:
            search.includes.append((name, follows))


def _json_format_check(formats):
    if any(value.split(";")[0].strip() not in JSON_FORMATS for value in formats):
        raise SearchError(_("This server answers in JSON only."), code="not-supported")


def _whole_number(query, name, default):
    raw = query.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise SearchError(_("%(name)s must be a whole number.") % {"name": name})
    return int(raw)


def split_or(value):
    """Split a parameter value at unescaped commas (alternatives), undoing FHIR's backslash escapes."""
    parts = re.split(r"(?<!\\),", value)
    return [re.sub(r"\\([,|$\\])", r"\1", part) for part in parts if part]


def any_of(queries):
    """Return a filter matching any of the filters given (nothing when none is given)."""
    queries = list(queries)
    return reduce(or_, queries) if queries else NOTHING


def token(value):
    """Split a token value into (system, code): system is None when not given, "" for `|code`."""
    if "|" not in value:
        return None, value
    system, _sep, code = value.partition("|")
    return system, code


def reference_id(value, *, resource_type):
    """Return the UUID a reference value (`id`, `Type/id` or an absolute URL) names, or None."""
    parts = value.rstrip("/").split("/")
    if len(parts) > 1 and parts[-2] != resource_type:
        return None
    return as_uuid(parts[-1])


def _prefixed(value):
    """Split a date parameter's value into its prefix (eq when none) and the date itself."""
    if not value[:2].isalpha():
        return "eq", value
    prefix = value[:2]
    if prefix not in DATE_PREFIXES:
        raise SearchError(_("This server does not support the date prefix %(prefix)s.") % {"prefix": prefix},
                          code="not-supported")
    return prefix, value[2:]


def date_filter(field_name, value):
    """Return the filter of a date parameter: [prefix]YYYY[-MM[-DD]] matched as the range it names."""
    prefix, raw = _prefixed(value)
    start, end = _date_range(raw)
    within = Q(**{f"{field_name}__range": (start, end)})
    return {
        "eq": within,
        "ne": ~within,
        "lt": Q(**{f"{field_name}__lt": start}),
        "gt": Q(**{f"{field_name}__gt": end}),
        "ge": Q(**{f"{field_name}__gte": start}),
        "le": Q(**{f"{field_name}__lte": end}),
    }[prefix]


def _date_range(raw):
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", raw)
    if not match:
        raise SearchError(_("Give a date as YYYY, YYYY-MM or YYYY-MM-DD, with an optional prefix."))
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day is not None:
            start = end = dt.date(year, month, day)
        elif month is not None:
            start = dt.date(year, month, 1)
            end = start.replace(day=calendar.monthrange(year, month)[1])
        else:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError as exc:
        raise SearchError(_("Give a date as YYYY, YYYY-MM or YYYY-MM-DD, with an optional prefix.")) from exc
    return start, end


DATETIME = re.compile(r"(?P<date>\d{4}(?:-\d{2}(?:-\d{2})?)?)"
                      r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
                      r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?")


def datetime_filter(field_name, value, *, zone_field, zones):
    """Return the filter of a date parameter on a moment (a DateTimeField), as the range the value names.

    A value with a UTC offset names the same range everywhere; one without (a day, or a local time) is read
    in the local time of each row (its `zone_field`), so `2026-05-11` is that day at the hospital concerned.
    `zones` are the time zones rows may have.
    """
    prefix, raw = _prefixed(value)
    match = DATETIME.fullmatch(raw)
    if not match:
        raise SearchError(_("Give a date as YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][Z|+hh:mm], "
                            "with an optional prefix."))
    day_start, day_end = _date_range(match["date"])
    start = dt.datetime.combine(day_start, dt.time.min)
    end = dt.datetime.combine(day_end + dt.timedelta(days=1), dt.time.min)
    if match["hour"] is not None:
        if day_start != day_end:
            raise SearchError(_("Give a time only with a full date."))
        try:
            start = start.replace(hour=int(match["hour"]), minute=int(match["minute"]),
                                  second=int(match["second"] or 0))
        except ValueError as exc:
            raise SearchError(_("Give a date as YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][Z|+hh:mm], "
                                "with an optional prefix.")) from exc
        end = start + (dt.timedelta(seconds=1) if match["second"] else dt.timedelta(minutes=1))
        if match["zone"]:
            offset = dt.UTC if match["zone"] == "Z" else dt.datetime.strptime(match["zone"], "%z").tzinfo
            return _moment_filter(field_name, prefix, start.replace(tzinfo=offset), end.replace(tzinfo=offset))
    if zone_field is None:  # rows without a local time zone: the value is read in UTC
        return _moment_filter(field_name, prefix, start.replace(tzinfo=dt.UTC), end.replace(tzinfo=dt.UTC))
    return any_of(
        Q(**{zone_field: zone}) & _moment_filter(field_name, prefix, start.replace(tzinfo=ZoneInfo(zone)),
                                                 end.replace(tzinfo=ZoneInfo(zone)))
        for zone in sorted(set(zones))
    )


def _moment_filter(field_name, prefix, start, end):
    """Match a moment against the half-open range [start, end) a date value names."""
    within = Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
    return {
        "eq": within,
        "ne": ~within,
        "lt": Q(**{f"{field_name}__lt": start}),
        "gt": Q(**{f"{field_name}__gte": end}),
        "ge": Q(**{f"{field_name}__gte": start}),
        "le": Q(**{f"{field_name}__lt": end}),
    }[prefix]


def boolean(value):
    """Return the truth a token parameter of type boolean names; refuse anything but true and false."""
    _system, code = token(value)
    if code not in ("true", "false"):
        raise SearchError(_("Give true or false."))
    return code == "true"


def typed_reference(value, *, resource_types):
    """Return (resource type or None, UUID or None) of a reference value to one of several resource types."""
    parts = value.rstrip("/").split("/")
    if len(parts) > 1:
        if parts[-2] not in resource_types:
            return None, None
        return parts[-2], as_uuid(parts[-1])
    return None, as_uuid(parts[-1])


def base_url(request):
    """Return the absolute base URL of the FHIR API."""
    return request.build_absolute_uri("/fhir/r4").rstrip("/")


def _page_url(request, search, offset):
    items = list(search.used)
    if search.sort:
        items.append(("_sort", ",".join(f"{'-' if descending else ''}{name}" for name, descending in search.sort)))
    items += [("_include", name) for name, _follows in search.includes]
    items += [("_count", search.count), ("_offset", offset)]
    return f"{request.build_absolute_uri(request.path)}?{urlencode(items)}"


def searchset(request, *, search, resources, total, included=()):
    """Return the searchset Bundle (a dict, checked as `fhir.checked` says) of one page of results, with self,
    previous and next links.

    Resources may be dicts or fhir.resources models; `included` are the resources `_include` brought in (search
    mode "include"), each given once.
    """
    links = [{"relation": "self", "url": _page_url(request, search, search.offset)}]
    if search.offset > 0:
        links.append({"relation": "previous", "url": _page_url(request, search, max(search.offset - search.count, 0))})
    if search.count and search.offset + search.count < total:
        links.append({"relation": "next", "url": _page_url(request, search, search.offset + search.count)})
    base = base_url(request)
    entries, seen = [], set()
    for mode, group in (("match", resources), ("include", included)):
        for resource in group:
            key = (resource_type_of(resource), resource_id_of(resource))
            if mode == "include" and key in seen:
                continue
            seen.add(key)
            entries.append({"fullUrl": f"{base}/{key[0]}/{key[1]}", "resource": resource, "search": {"mode": mode}})
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links}
    if entries:
        bundle["entry"] = entries
    return checked(bundle)


def common_filter(search, *, id_field="public_id", updated_field="updated_at"):
    """Return the filter of _id and _lastUpdated (each occurrence ANDed, commas ORed)."""
    matches = Q()
    for alternatives in search.each("_id"):
        ids = [as_uuid(value) for value in alternatives]
        matches &= any_of(Q(**{id_field: public_id}) for public_id in ids if public_id)
    for alternatives in search.each("_lastUpdated"):
        matches &= any_of(datetime_filter(updated_field, value, zone_field=None, zones=()) for value in alternatives)
    return matches


def page(queryset, search):
    """Return (rows of the asked page, total number of matches), filtered by _id/_lastUpdated and sorted by _sort."""
    if search.common:
        queryset = queryset.filter(common_filter(search))
    if search.order_by:
        queryset = queryset.order_by(*search.order_by, "pk")
    # One row more than the page tells whether anything follows: a page that is the last one (most searches)
    # gives the total without a COUNT; only a full page, or one past the end, asks the database for it.
    rows = list(queryset[search.offset:search.offset + search.count + 1])
    if len(rows) <= search.count and (rows or not search.offset):
        return rows, search.offset + len(rows)
    return rows[:search.count], queryset.count()


def page_chained(querysets, search):
    """Return (rows of the asked page, total) of several querysets read one after another as one list."""
    rows, total, offset, wanted = [], 0, search.offset, search.count
    for queryset in querysets:
        count = queryset.count()
        if wanted and offset < count:
            taken = list(queryset[offset:offset + wanted])
            rows += taken
            wanted -= len(taken)
        offset = max(offset - count, 0)
        total += count
    return rows, total
