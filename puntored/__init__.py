"""PuntoRed Analytics: shared core (event contract, reference data, settings, CLI)."""

__version__ = "0.1.0"
