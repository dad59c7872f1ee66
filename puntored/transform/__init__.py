"""The dbt stage: build the daily marts (``run_transform``) and serve the docs site."""
