"""Serving database (RDS PostgreSQL / SQLite): schema, migrations, marts sync, reports."""
