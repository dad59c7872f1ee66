"""Synthetic transaction generator: realistic, reproducible events with injected faults.

``generate_landing`` writes the batch landing zone and its ground-truth manifest;
``generate_stream`` writes time-ordered event files (or replays them in real time).
"""

from puntored.generator.landing import GenerateResult, generate_landing
from puntored.generator.options import FaultRates, GenerateOptions, InvalidOptionsError
from puntored.generator.stream import StreamOptions, StreamResult, generate_stream

__all__ = [
    "FaultRates",
    "GenerateOptions",
    "GenerateResult",
    "InvalidOptionsError",
    "StreamOptions",
    "StreamResult",
    "generate_landing",
    "generate_stream",
]
