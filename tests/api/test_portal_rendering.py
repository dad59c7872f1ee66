"""The portal's es-CO formatting and SVG charts, without a browser."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from puntored.api.portal import formatting as fmt
from puntored.api.portal.charts import Chart, Point, bar_chart, line_chart


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1234567.89"), "$ 1.234.567,89"),
        (Decimal("1234567.885"), "$ 1.234.567,89"),  # half away from zero: the one money rule
        (Decimal("0"), "$ 0,00"),
        (Decimal("999.5"), "$ 999,50"),
        (Decimal("-1234"), "-$ 1.234,00"),
        ("1000000.00", "$ 1.000.000,00"),
        (None, "\u2013"),
    ],
)
def test_cop(amount: object, text: str) -> None:
    assert fmt.cop(amount) == text  # type: ignore[arg-type]


def test_numbers_rates_days_and_times() -> None:
    assert fmt.number(1234567) == "1.234.567" and fmt.number(1234.56, 1) == "1.234,6"
    assert fmt.percent(0.95312) == "95,3 %" and fmt.percent(1.0) == "100 %"
    assert fmt.change(110, 100) == "+10 %" and fmt.change(1, 0) == "sin datos previos"
    assert fmt.day(date(2026, 3, 2)) == "2 mar 2026" and fmt.day_short(date(2026, 12, 1)) == "1 dic"
    assert fmt.bogota_time(datetime(2026, 3, 2, 4, 30, tzinfo=UTC)) == "23:30"
    assert fmt.ago(40) == "hace 40 s" and fmt.ago(3 * 3600) == "hace 3 h"
    assert fmt.ago(86_400) == "hace 1 día" and fmt.ago(None) == "sin datos"
    assert fmt.cop_short(1_250_000) == "$ 1,2 M" and fmt.cop_short(350_000) == "$ 350 mil"


def _chart(
    values: list[float | None], tick: object = fmt.number, ceiling: float | None = None
) -> Chart:
    points = [
        Point(f"k{i}", f"d{i}", v, "" if v is None else repr(v), str(v))
        for i, v in enumerate(values)
    ]
    return Chart("c", "Título", "Descripción", points, tick, ceiling)  # type: ignore[arg-type]


def test_bars_carry_their_values_and_are_labelled() -> None:
    svg = str(bar_chart(_chart([10.0, None, 30.0])))
    assert 'role="img"' in svg and 'aria-labelledby="c-title c-desc"' in svg
    assert re.findall(r'data-key="(k\d)" data-value="([^"]*)"', svg) == [
        ("k0", "10.0"),
        ("k2", "30.0"),
    ]
    heights = [float(h) for h in re.findall(r'height="([\d.]+)"><title>', svg)]
    assert heights[1] == pytest.approx(heights[0] * 3, rel=1e-3)  # bars scale from zero


def test_only_zeros_or_nothing_says_so_and_small_counts_tick_in_whole_numbers() -> None:
    assert "Sin datos en este periodo" in str(bar_chart(_chart([0.0, 0.0])))
    assert "Sin datos en este periodo" in str(line_chart(_chart([None, None])))
    ticks = re.findall(
        r'class="tick"[^>]*text-anchor="end">([^<]+)<', str(bar_chart(_chart([1.0])))
    )
    assert ticks == ["0", "1", "2", "3", "4"]


def test_a_line_breaks_where_a_value_is_missing_and_rates_top_at_100() -> None:
    svg = str(line_chart(_chart([0.9, 0.92, None, 0.95, 0.96], fmt.percent, ceiling=1.0)))
    assert svg.count("<polyline") == 2
    ticks = re.findall(r'text-anchor="end">([^<]+)<', svg)
    assert ticks == ["85 %", "90 %", "95 %", "100 %"]
