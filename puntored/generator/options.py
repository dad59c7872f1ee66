"""What a generator run is asked to do, validated once, and the run id derived from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from puntored.generator.clock import BOGOTA


class InvalidOptionsError(ValueError):
    """A generator option is out of range; the message is one line for the CLI."""


@dataclass(frozen=True)
class FaultRates:
    duplicate: float = 0.01
    late: float = 0.02
    malformed: float = 0.005
    truncated_files: int = 1

    def validate(self) -> None:
        for name in ("duplicate", "late", "malformed"):
            value = getattr(self, name)
            if not 0.0 <= value <= 0.5:
                raise InvalidOptionsError(f"--{name}-rate must be between 0 and 0.5, got {value}")
        if self.truncated_files < 0:
            raise InvalidOptionsError(
                f"--truncated-files must be 0 or more, got {self.truncated_files}"
            )

    def as_dict(self) -> dict[str, float | int]:
        return {
            "duplicate_rate": self.duplicate,
            "late_rate": self.late,
            "malformed_rate": self.malformed,
            "truncated_files": self.truncated_files,
        }


@dataclass(frozen=True)
class GenerateOptions:
    start: date
    days: int = 3
    events_per_day: int = 20_000
    seed: int = 42
    faults: FaultRates = field(default_factory=FaultRates)
    gzip_level: int = 1

    def validate(self) -> None:
        if self.days < 1:
            raise InvalidOptionsError(f"--days must be at least 1, got {self.days}")
        if self.days > 3660:
            raise InvalidOptionsError(f"--days must be at most 3660, got {self.days}")
        if self.events_per_day < 1:
            raise InvalidOptionsError(
                f"--events-per-day must be at least 1, got {self.events_per_day}"
            )
        if self.seed < 0:
            raise InvalidOptionsError(f"--seed must be 0 or more, got {self.seed}")
        if not 1 <= self.gzip_level <= 9:
            raise InvalidOptionsError(f"--gzip-level must be 1..9, got {self.gzip_level}")
        self.faults.validate()

    @property
    def end(self) -> date:
        """The last generated day (inclusive)."""
        return self.start + timedelta(days=self.days - 1)

    @property
    def run_id(self) -> str:
        """Deterministic from the arguments, so a rerun writes the same manifest name."""
        return f"seed{self.seed}-{self.start:%Y%m%d}-{self.days}d"


def default_start(days: int, today: date | None = None) -> date:
    """N days ending yesterday, in Bogota time."""
    today = today or datetime.now(BOGOTA).date()
    return today - timedelta(days=days)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidOptionsError(f"--start must be a date YYYY-MM-DD, got {text!r}") from None
