"""API keys: creation, listing, revocation and authentication (docs/decisions/0502)."""
