"""Which days a hospital works: weekdays minus mainland China's public holidays and the hospital's own closures."""

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def china_public_holidays(year):
    """Return mainland China's statutory public holidays of a year (the holidays package)."""
    return holidays.country_holidays("CN", years=year)


def is_public_holiday(day):
    return day in china_public_holidays(day.year)


def days_between(start, end):
    """Yield each date from start to end inclusive."""
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)
