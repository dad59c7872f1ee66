"""Spanish (Colombia) formatting for the portal: COP ``$ 1.234.567,89``, ``1.234``, ``95,3 %``,
days ``2 mar 2026``. Written out rather than taken from a locale database so the output is the
same on every machine (no system locale, no CLDR version drift)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from puntored.contract.money import to_cents

MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
BOGOTA_OFFSET = timedelta(hours=-5)  # America/Bogota: UTC-5, no daylight saving
MISSING = "\u2013"  # an en dash where there is no value


def _grouped(digits: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        digits, group = digits[:-3], digits[-3:]
        groups.insert(0, group)
    return ".".join([digits, *groups])


def cop(amount: Decimal | int | float | str | None) -> str:
    """``$ 1.234.567,89``; a negative amount is ``-$ 1.234,00``; None is an en dash."""
    if amount is None:
        return MISSING
    value = to_cents(str(amount))
    sign = "-" if value < 0 else ""
    units, cents = f"{abs(value):.2f}".split(".")
    return f"{sign}$ {_grouped(units)},{cents}"


def cop_short(amount: Decimal | int | float) -> str:
    """Axis labels: ``$ 1,2 M``, ``$ 350 mil``, ``$ 900``."""
    value = float(amount)
    for size, suffix in ((1e9, " mil M"), (1e6, " M"), (1e3, " mil")):
        if abs(value) >= size:
            return f"$ {number(value / size, 1)}{suffix}"
    return f"$ {number(value)}"


def number(value: int | float | Decimal | None, decimals: int = 0) -> str:
    """``1.234`` or, with decimals, ``1.234,5``; trailing ``,0`` dropped."""
    if value is None:
        return MISSING
    text = f"{abs(float(value)):.{decimals}f}"
    units, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    sign = "-" if float(value) < 0 and float(text) != 0 else ""
    return sign + _grouped(units) + (f",{fraction}" if fraction else "")


def percent(rate: float | None, decimals: int = 1) -> str:
    """A rate 0..1 as ``95,3 %``."""
    if rate is None:
        return MISSING
    return f"{number(rate * 100, decimals)} %"


def change(current: float | Decimal | None, previous: float | Decimal | None) -> str:
    """Relative change ``+4,2 %`` / ``-1,0 %``; ``sin datos`` without a previous value."""
    if current is None or previous is None or float(previous) == 0:
        return "sin datos previos"
    delta = (float(current) - float(previous)) / abs(float(previous)) * 100
    sign = "+" if delta >= 0 else ""
    return f"{sign}{number(delta, 1)} %"


def day(value: date | None) -> str:
    if value is None:
        return MISSING
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def day_short(value: date) -> str:
    return f"{value.day} {MONTHS[value.month - 1]}"


def bogota_time(moment: datetime | None) -> str:
    """``14:05`` in Bogota time."""
    if moment is None:
        return MISSING
    return (moment + BOGOTA_OFFSET).strftime("%H:%M")


def bogota_datetime(moment: datetime | None) -> str:
    if moment is None:
        return MISSING
    local = moment + BOGOTA_OFFSET
    return f"{day(local.date())}, {local:%H:%M}"


def ago(seconds: float | None) -> str:
    """``hace 40 s``, ``hace 5 min``, ``hace 3 h``, ``hace 2 días``."""
    if seconds is None:
        return "sin datos"
    for size, unit in ((86_400, "días"), (3_600, "h"), (60, "min")):
        if seconds >= size:
            count = int(seconds // size)
            return f"hace {count} {'día' if unit == 'días' and count == 1 else unit}"
    return f"hace {int(seconds)} s"


FILTERS = {
    "cop": cop,
    "number": number,
    "percent": percent,
    "day": day,
    "day_short": day_short,
    "bogota_time": bogota_time,
    "bogota_datetime": bogota_datetime,
    "ago": ago,
}
