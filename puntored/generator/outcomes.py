"""How the provider answers: approved, rejected with its own codes, or a technical failure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from puntored.contract.transaction import APPROVED_RESPONSE_CODE, STATUSES

APPROVED, REJECTED, FAILED = (STATUSES.index(s) for s in ("approved", "rejected", "failed"))


@dataclass(frozen=True)
class CategoryBehaviour:
    """Outcome and latency profile of a provider category."""

    rejection_rate: float
    failure_rate: float
    rejection_codes: dict[str, float]  # provider response code -> share of rejections
    latency_median_ms: float
    latency_sigma: float
    timeout_ms: int


# Technical failures: most are timeouts talking to the provider.
FAILURE_CODES = {"91": 0.55, "68": 0.20, "96": 0.25}  # issuer unavailable, late reply, malfunction
TIMEOUT_CODES = frozenset({"91", "68"})

BEHAVIOUR = {
    "telco": CategoryBehaviour(
        0.06,
        0.012,
        # invalid number, insufficient float balance, not permitted, over the line's limit
        {"14": 0.40, "51": 0.25, "57": 0.20, "61": 0.15},
        420.0,
        0.45,
        30_000,
    ),
    "utility": CategoryBehaviour(
        0.09,
        0.020,
        # bill not found, bill already paid, bill past due date, amount differs from bill
        {"B1": 0.40, "B2": 0.35, "B3": 0.15, "B4": 0.10},
        1_400.0,
        0.60,
        45_000,
    ),
    "insurer": CategoryBehaviour(
        0.05,
        0.015,
        # vehicle already insured, invalid plate, tariff mismatch
        {"S1": 0.50, "S2": 0.35, "S3": 0.15},
        2_100.0,
        0.55,
        60_000,
    ),
    "betting": CategoryBehaviour(
        0.07,
        0.010,
        # account not found, account blocked, deposit over limit
        {"U1": 0.50, "U2": 0.30, "U3": 0.20},
        600.0,
        0.50,
        30_000,
    ),
    "pin_issuer": CategoryBehaviour(
        0.04,
        0.010,
        # denomination out of stock, denomination not offered
        {"P1": 0.70, "P2": 0.30},
        350.0,
        0.40,
        20_000,
    ),
}
DEFAULT_BEHAVIOUR = BEHAVIOUR["telco"]


class ResponseCodes:
    """Every response code the generator emits, indexed so numpy can hold them as integers."""

    def __init__(self) -> None:
        codes = [APPROVED_RESPONSE_CODE, *FAILURE_CODES]
        for behaviour in BEHAVIOUR.values():
            codes += [c for c in behaviour.rejection_codes if c not in codes]
        self.codes: tuple[str, ...] = tuple(codes)
        self.index = {code: i for i, code in enumerate(self.codes)}


RESPONSE_CODES = ResponseCodes()


@dataclass(frozen=True)
class Outcomes:
    status: np.ndarray  # index into STATUSES
    code: np.ndarray  # index into RESPONSE_CODES.codes
    latency_ms: np.ndarray


def sample_outcomes(
    rng: np.random.Generator, categories: list[str], category_index: np.ndarray
) -> Outcomes:
    """Status, response code and latency for each event, by its provider's category."""
    count = len(category_index)
    status = np.full(count, APPROVED, dtype=np.int8)
    code = np.zeros(count, dtype=np.int16)
    latency = np.zeros(count, dtype=np.int64)
    for index, category in enumerate(categories):
        rows = np.flatnonzero(category_index == index)
        if len(rows):
            behaviour = BEHAVIOUR.get(category, DEFAULT_BEHAVIOUR)
            _fill_category(rng, behaviour, rows, status, code, latency)
    return Outcomes(status, code, latency)


def _fill_category(
    rng: np.random.Generator,
    behaviour: CategoryBehaviour,
    rows: np.ndarray,
    status: np.ndarray,
    code: np.ndarray,
    latency: np.ndarray,
) -> None:
    draw = rng.random(len(rows))
    rejected = draw < behaviour.rejection_rate
    failed = ~rejected & (draw < behaviour.rejection_rate + behaviour.failure_rate)
    status[rows[rejected]] = REJECTED
    status[rows[failed]] = FAILED
    code[rows[rejected]] = _pick_codes(rng, behaviour.rejection_codes, int(rejected.sum()))
    failure_codes = _pick_codes(rng, FAILURE_CODES, int(failed.sum()))
    code[rows[failed]] = failure_codes

    times = rng.lognormal(np.log(behaviour.latency_median_ms), behaviour.latency_sigma, len(rows))
    times = np.minimum(times, behaviour.timeout_ms - 1).astype(np.int64)
    timeout_codes = np.array([RESPONSE_CODES.index[c] for c in TIMEOUT_CODES])
    timed_out = np.flatnonzero(failed)[np.isin(failure_codes, timeout_codes)]
    # Timeouts end at the switch's timeout, give or take a few milliseconds of scheduling.
    times[timed_out] = behaviour.timeout_ms + rng.integers(0, 250, len(timed_out))
    latency[rows] = times


def _pick_codes(rng: np.random.Generator, shares: dict[str, float], count: int) -> np.ndarray:
    indexes = np.array([RESPONSE_CODES.index[c] for c in shares], dtype=np.int16)
    probability = np.array(list(shares.values()))
    return rng.choice(indexes, size=count, p=probability / probability.sum())


def reversal_latency(rng: np.random.Generator, count: int) -> np.ndarray:
    return rng.lognormal(np.log(500.0), 0.4, count).astype(np.int64)
