"""The API's SQL (SQLAlchemy 2 ``select()``), one module per resource. Every query is bounded
by provider and a date or time range, so it runs on the serving indexes."""
