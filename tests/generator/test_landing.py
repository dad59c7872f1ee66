"""The batch landing zone: determinism, wire format, and a manifest that matches the files."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from puntored.contract.transaction import field_names
from puntored.generator import FaultRates, GenerateOptions, generate_landing
from puntored.reference import load_reference
from puntored.settings import Settings
from tests.support.generator_files import LandingContents, bogota_day, parse_utc, read_landing

OPTIONS = GenerateOptions(
    start=date(2026, 11, 1),
    days=3,
    events_per_day=3000,
    seed=7,
    faults=FaultRates(duplicate=0.02, late=0.03, malformed=0.02, truncated_files=2),
)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("generated")
    result = generate_landing(Settings(data_dir=root), OPTIONS)
    return root / "landing", result.manifest


@pytest.fixture(scope="module")
def contents(landing: tuple[Path, dict[str, Any]]) -> LandingContents:
    return read_landing(landing[0])


def test_same_seed_gives_byte_identical_files(
    landing: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    generate_landing(Settings(data_dir=tmp_path), OPTIONS)
    again = _files(tmp_path / "landing")
    assert again == _files(landing[0])
    assert "_manifests/generate-seed7-20261101-3d.json" in again


def test_a_different_seed_gives_different_files(
    landing: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    other = GenerateOptions(OPTIONS.start, OPTIONS.days, OPTIONS.events_per_day, 8, OPTIONS.faults)
    generate_landing(Settings(data_dir=tmp_path), other)
    ours, theirs = _files(landing[0]), _files(tmp_path / "landing")
    shared = set(ours) & set(theirs)
    assert shared, "the same arrival folders should exist"
    assert all(ours[name] != theirs[name] for name in shared if name.endswith(".gz"))


def test_gzip_header_has_no_timestamp_or_file_name(landing: tuple[Path, dict[str, Any]]) -> None:
    for path in list(landing[0].rglob("*.jsonl.gz"))[:20]:
        header = path.read_bytes()[:10]
        assert header[:2] == b"\x1f\x8b"
        assert header[3] & 0x08 == 0, "FNAME flag set"
        assert header[4:8] == b"\x00\x00\x00\x00", "mtime is not zero"


def test_manifest_counts_match_the_files(
    landing: tuple[Path, dict[str, Any]], contents: LandingContents
) -> None:
    manifest = landing[1]
    valid = contents.unique.values()
    assert contents.files == manifest["files"]["written"]
    assert sorted(contents.unreadable) == sorted(manifest["files"]["truncated"])
    truncated_records = manifest["injected"]["truncated_file_records"]
    assert contents.lines + truncated_records == manifest["lines_written"]
    assert len(contents.unique) == manifest["events"]["unique"] == manifest["expected"]["landed"]
    assert contents.duplicates == manifest["injected"]["duplicates"] > 0
    assert contents.malformed == manifest["injected"]["malformed"]
    assert sum(contents.malformed.values()) == manifest["expected"]["quarantined"]
    assert min(contents.malformed.values()) > 0, "every malformed reason should occur"
    assert Counter(r["status"] for r in valid) == manifest["events"]["by_status"]
    assert Counter(r["event_type"] for r in valid) == {
        "sale": manifest["events"]["sales"],
        "reversal": manifest["events"]["reversals"],
    }
    by_dt = Counter(bogota_day(r["event_at"]).isoformat() for r in valid)
    assert by_dt == manifest["events"]["by_dt"]


def test_late_events_arrive_one_to_five_days_after_their_day(
    landing: tuple[Path, dict[str, Any]], contents: LandingContents
) -> None:
    lateness = Counter(
        (contents.arrival[tid][0] - bogota_day(record["event_at"])).days
        for tid, record in contents.unique.items()
    )
    injected = landing[1]["injected"]
    assert {str(days): n for days, n in lateness.items() if days != 0} == injected["late_by_days"]
    assert sum(n for days, n in lateness.items() if days != 0) == injected["late_events"] > 0
    assert min(lateness) == 0 and max(lateness) <= 5


def test_truncated_files_really_are_truncated(landing: tuple[Path, dict[str, Any]]) -> None:
    for relative in landing[1]["files"]["truncated"]:
        with pytest.raises((EOFError, gzip.BadGzipFile)):
            gzip.decompress((landing[0] / relative).read_bytes())


def test_reversals_repeat_an_earlier_approved_sale(contents: LandingContents) -> None:
    reversals = [r for r in contents.unique.values() if r["event_type"] == "reversal"]
    assert reversals
    for reversal in reversals:
        sale = contents.unique[reversal["reversed_transaction_id"]]
        assert sale["event_type"] == "sale" and sale["status"] == "approved"
        assert parse_utc(sale["event_at"]) < parse_utc(reversal["event_at"])
        for name in ("provider_id", "product_id", "client_id", "amount", "commission"):
            assert sale[name] == reversal[name]
        assert (reversal["status"], reversal["response_code"]) == ("approved", "00")


def test_wire_format_and_commission(contents: LandingContents) -> None:
    rates = {p.product_id: p.commission_rate for p in load_reference().products}
    money = re.compile(r'"amount": \d+\.\d{2}, "commission": \d+\.\d{2}, ')
    for tid, line in contents.raw.items():
        assert money.search(line), line
        record = json.loads(line, parse_float=Decimal)
        assert tuple(record) == field_names()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["event_at"])
        expected = (record["amount"] * rates[record["product_id"]]).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert record["commission"] == expected, tid
        assert (record["status"] == "approved") == (record["response_code"] == "00")


def test_realistic_mix(contents: LandingContents) -> None:
    valid = [r for r in contents.unique.values() if r["event_type"] == "sale"]
    products = Counter(r["product_id"] for r in valid)
    assert products.most_common(1)[0][0] == "claro_topup"
    statuses = Counter(r["status"] for r in valid)
    assert 0.04 < statuses["rejected"] / len(valid) < 0.11
    assert 0.005 < statuses["failed"] / len(valid) < 0.025
    topups = {r["amount"] for r in valid if r["product_id"].endswith("_topup")}
    assert all(amount % 1000 == 0 for amount in topups)
    bills = [r["amount"] for r in valid if r["product_id"] == "epm_bill"]
    assert len(set(bills)) > len(bills) // 2, "bill amounts have a long continuous tail"
    phones = [r["customer_reference"] for r in valid if r["product_id"] == "claro_topup"]
    assert all(re.fullmatch(r"3\d\d\*{4}\d{3}", p) for p in phones)
    utility_codes = {r["response_code"] for r in valid if r["provider_id"] == "epm"}
    assert {"B1", "B2"} <= utility_codes
    clients = Counter(r["client_id"] for r in valid)
    assert clients.most_common(1)[0][1] > 5 * (len(valid) / len(clients))
