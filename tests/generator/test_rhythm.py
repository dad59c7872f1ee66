"""Calendar rhythm, amounts and commissions of the generator."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

from puntored.generator import FaultRates, GenerateOptions, generate_landing, products, rhythm
from puntored.generator.clock import bogota_hour_index
from puntored.reference import load_reference
from puntored.settings import Settings

NO_FAULTS = FaultRates(duplicate=0, late=0, malformed=0, truncated_files=0)


def test_holidays_and_paydays_change_the_day_factor() -> None:
    # October 2025: Monday the 13th is a festivo (Dia de la Raza), Wednesday the 15th a payday.
    assert rhythm.day_factor(date(2025, 10, 13)) < rhythm.day_factor(date(2025, 10, 6))
    assert rhythm.is_quincena(date(2025, 10, 31)) and rhythm.is_quincena(date(2026, 2, 28))
    assert not rhythm.is_quincena(date(2028, 2, 28))  # leap year: the 29th is the last day


def test_quincena_holiday_and_sunday_are_visible_in_the_data(tmp_path: Path) -> None:
    options = GenerateOptions(date(2025, 10, 6), 10, 2000, 3, NO_FAULTS)
    by_dt = generate_landing(Settings(data_dir=tmp_path), options).manifest["events"]["by_dt"]
    normal_wednesday = by_dt["2025-10-08"]
    assert by_dt["2025-10-15"] > 1.25 * normal_wednesday  # quincena
    assert by_dt["2025-10-13"] < 0.85 * by_dt["2025-10-06"]  # festivo Monday vs a normal one
    assert by_dt["2025-10-12"] < 0.8 * normal_wednesday  # Sunday


def test_daily_profile_has_quiet_nights_and_busy_days() -> None:
    rng = np.random.default_rng(1)
    times = rhythm.sample_event_times(rng, date(2026, 3, 4), 50_000)
    hours = Counter((bogota_hour_index(times) % 24).tolist())
    assert hours[3] * 20 < hours[11]
    assert hours[18] > hours[14]  # the evening peak is the highest
    assert np.all(np.diff(times) >= 0)


def test_amounts_follow_the_product() -> None:
    reference = load_reference()
    rng = np.random.default_rng(2)
    index = {p.product_id: i for i, p in enumerate(reference.products)}
    for product_id in ("claro_data_7d", "sura_soat_moto", "google_play_pin", "enel_bill"):
        product = reference.products[index[product_id]]
        cents = products.sample_amounts(rng, reference.products, np.full(2000, index[product_id]))
        assert cents.min() >= product.min_amount * 100 and cents.max() <= product.max_amount * 100
    data_package = products.sample_amounts(
        rng, reference.products, np.full(10, index["claro_data_7d"])
    )
    assert set(data_package.tolist()) == {1_000_000}


def test_commission_rounds_half_up_to_the_cent() -> None:
    # 1 050.00 COP x 0.0450 = 47.25 exactly; 1 011.00 x 0.0450 = 45.495 -> 45.50
    cents = np.array([105_000, 101_100])
    assert products.commissions(cents, np.array([450, 450])).tolist() == [4725, 4550]
