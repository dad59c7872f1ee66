"""Provider REST API (FastAPI)."""
