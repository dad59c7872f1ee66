"""The one rounding rule for money: to the cent, halves away from zero (what the marts do).

The marts compute ``round(x, 2)`` in DuckDB (and Athena), which rounds halves away from zero;
every amount the API or the portal recomputes (an average ticket over a range, a displayed
amount) goes through ``to_cents`` so the numbers served equal the marts' (docs/data-contracts.md).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MONEY_ROUNDING = ROUND_HALF_UP  # Decimal's HALF_UP is "half away from zero", like SQL round()


def to_cents(value: Decimal | int | str) -> Decimal:
    """``value`` rounded to the cent by the project's rule."""
    return Decimal(value).quantize(CENT, rounding=MONEY_ROUNDING)


def average_ticket(gross_amount: Decimal | int | str, approved: int) -> Decimal | None:
    """``gross_amount / approved`` to the cent; None when nothing was approved."""
    return to_cents(Decimal(gross_amount) / approved) if approved else None
