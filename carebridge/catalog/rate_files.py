"""Read ECB-style reference-rate files (eurofxref XML and CSV) into {date: {currency: rate}}; write nothing.

Both formats quote 1 EUR in each currency. A file is read completely before anything is stored, and any
problem rejects the whole file with a RateFileError naming the problem (and the line where there is one).
"""

import csv
import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation
from xml.parsers import expat

from django.utils.translation import gettext_lazy as _

from carebridge.core.errors import CareBridgeError
from carebridge.core.i18n import valid_currency

MAX_FILE_BYTES = 10 * 1024 * 1024
MONTHS = {name: number for number, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
RATE_SOURCES = ("ECB", "manual")


class RateFileError(CareBridgeError):
    """Reject a rate file; `code` names the kind of problem, the message says what and where."""

    code = "rate_file_invalid"
    status = 400
    default_message = _("The exchange-rate file could not be read.")


def _fail(code, message, *, line=None):
    if line is not None:
        message = _("Line %(line)s: %(problem)s") % {"line": line, "problem": message}
    details = {"file": [str(message)]}
    if line is not None:
        details["line"] = line
    raise RateFileError(message, code=code, details=details)


def parse_date(text, *, line=None):
    """Read an ECB date: ISO (2026-11-20) or English day-month-year (20 November 2026)."""
    text = (text or "").strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.split()
    if len(parts) == 3 and parts[1].lower() in MONTHS and parts[0].isdigit() and parts[2].isdigit():
        try:
            return dt.date(int(parts[2]), MONTHS[parts[1].lower()], int(parts[0]))
        except ValueError:
            pass
    _fail("rate_file_bad_date", _("“%(value)s” is not a date (expected e.g. 2026-11-20).") % {"value": text[:40]},
          line=line)


def parse_currency(text, *, line=None):
    """Read an ISO 4217 currency code."""
    code = (text or "").strip().upper()
    if not CURRENCY_PATTERN.match(code) or not valid_currency(code):
        _fail("rate_file_bad_currency",
              _("“%(value)s” is not an ISO 4217 currency code.") % {"value": (text or "").strip()[:20]}, line=line)
    return code


def parse_rate(text, currency, *, line=None):
    """Read a positive decimal rate that fits the table (10 integer digits, 8 decimals)."""
    raw = (text or "").strip()
    try:
        rate = Decimal(raw)
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or rate <= 0 or rate >= Decimal("1e10") \
            or rate.as_tuple().exponent < -8:
        _fail("rate_file_bad_rate",
              _("“%(value)s” is not a valid rate for %(currency)s (a positive number, at most 8 decimals).")
              % {"value": raw[:30], "currency": currency}, line=line)
    return rate


def _add(days, day, currency, rate, *, line=None):
    if currency == "EUR":
        _fail("rate_file_bad_currency", _("The file quotes EUR against itself; rates must be per 1 EUR."), line=line)
    if currency in days.setdefault(day, {}):
        _fail("rate_file_duplicate",
              _("%(currency)s appears twice for %(date)s.") % {"currency": currency, "date": day.isoformat()},
              line=line)
    days[day][currency] = rate


def _decode(content):
    if isinstance(content, str):
        return content
    if len(content) > MAX_FILE_BYTES:
        _fail("rate_file_too_large", _("The file is larger than 10 MB."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail("rate_file_malformed", _("The file is not UTF-8 text."))


def parse_xml(content):
    """Read eurofxref XML: <Cube time="…"><Cube currency="USD" rate="1.0523"/>…; DTDs and entities refused."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    if len(content) > MAX_FILE_BYTES:
        _fail("rate_file_too_large", _("The file is larger than 10 MB."))
    days = {}
    stack = []  # for each open Cube: its date, or None
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_dtd(*args):
        _fail("rate_file_malformed", _("The XML file declares a DTD or entities, which are not accepted."))

    def start(name, attrs):
        local = name.rsplit(":", 1)[-1]
        if local != "Cube":
            return
        line = parser.CurrentLineNumber
        day = next((d for d in reversed(stack) if d is not None), None)
        if "time" in attrs:
            if day is not None:
                _fail("rate_file_malformed", _("A dated Cube is nested inside another dated Cube."), line=line)
            stack.append(parse_date(attrs["time"], line=line))
            days.setdefault(stack[-1], {})
            return
        stack.append(None)
        if "currency" in attrs or "rate" in attrs:
            if day is None:
                _fail("rate_file_malformed", _("A rate appears outside a Cube with a time (date)."), line=line)
            if "currency" not in attrs or "rate" not in attrs:
                _fail("rate_file_malformed", _("A rate Cube needs both a currency and a rate."), line=line)
            currency = parse_currency(attrs["currency"], line=line)
            _add(days, day, currency, parse_rate(attrs["rate"], currency, line=line), line=line)

    def end(name):
        if name.rsplit(":", 1)[-1] == "Cube":
            stack.pop()

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(content, True)
    except expat.ExpatError as exc:
        _fail("rate_file_malformed", _("The file is not well-formed XML (%(problem)s).")
              % {"problem": expat.ErrorString(exc.code)}, line=exc.lineno)
    return _non_empty(days)


def parse_csv(content):
    """Read eurofxref CSV: a header `Date, USD, JPY, …` and one row per day; N/A and empty cells are skipped."""
    text = _decode(content)
    rows = [row for row in csv.reader(io.StringIO(text), skipinitialspace=True) if any(c.strip() for c in row)]
    if not rows:
        _fail("rate_file_empty", _("The file is empty."))
    header = [cell.strip() for cell in rows[0]]
    while header and not header[-1]:
        header.pop()
    if len(header) < 2 or header[0].lower() != "date":
        _fail("rate_file_malformed", _("The first line must be a header starting with “Date” and currency codes."),
              line=1)
    currencies = [parse_currency(cell, line=1) for cell in header[1:]]
    if len(set(currencies)) != len(currencies):
        _fail("rate_file_duplicate", _("A currency appears twice in the header."), line=1)
    if len(rows) < 2:
        _fail("rate_file_empty", _("The file has a header but no rates."))
    days = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row]
        while len(cells) > len(header) and not cells[-1]:
            cells.pop()
        if len(cells) != len(header):
            _fail("rate_file_malformed",
                  _("%(found)s values where the header has %(expected)s.")
                  % {"found": len(cells), "expected": len(header)}, line=number)
        day = parse_date(cells[0], line=number)
        if day in days:
            _fail("rate_file_duplicate", _("The date %(date)s appears twice.") % {"date": day.isoformat()},
                  line=number)
        days[day] = {}
        for currency, cell in zip(currencies, cells[1:], strict=True):
            if cell.upper() in ("", "N/A"):
                continue
            _add(days, day, currency, parse_rate(cell, currency, line=number), line=number)
    return _non_empty(days)


def _non_empty(days):
    if not any(days.values()):
        _fail("rate_file_empty", _("The file contains no rates."))
    return {day: rates for day, rates in days.items() if rates}


def parse_rate_file(content, *, filename=""):
    """Read an XML or CSV rate file, telling them apart by content (and name)."""
    head = content[:200].lstrip() if isinstance(content, bytes | str) else b""
    if isinstance(head, str):
        head = head.encode("utf-8", "replace")
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<") or filename.lower().endswith(".xml"):
        return parse_xml(content)
    return parse_csv(content)
