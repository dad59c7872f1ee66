"""The serving database's schema (core): SQLAlchemy models, engine helpers, Alembic migrations.

Shared by the parts that read or write it (serving sync and reports, the stream processor, the
API); none of them owns it, so it lives in the core.
"""
