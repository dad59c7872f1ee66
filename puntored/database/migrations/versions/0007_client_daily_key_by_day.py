"""provider_client_daily_metrics: primary key (provider_id, dt, client_id), no covering index

The primary key now leads with the provider's days, so the clients endpoint's range totals
are a scan of the key over a run of adjacent heap pages (the sync writes rows in key order);
the covering (provider_id, dt) INCLUDE index of 0006 goes, and a (provider_id, client_id)
index serves one point of sale's days (B-tree deduplication keeps it small: one entry per
pair). A whole-load sync builds the primary key and that small index instead of the primary
key and an index as wide as the measures (docs/decisions/0415-client-daily-keyed-by-day.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "provider_client_daily_metrics"
PRIMARY_KEY = "pk_provider_client_daily_metrics"
RANGE_INDEX = "ix_provider_client_daily_metrics_provider_id_dt"
CLIENT_INDEX = "ix_provider_client_daily_metrics_provider_id_client_id"
COVERED = [
    "client_id",
    "transactions",
    "approved",
    "rejected",
    "failed",
    "reversed",
    "gross_amount",
    "reversed_amount",
    "net_amount",
    "commission",
]


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(RANGE_INDEX)
        batch_op.drop_constraint(PRIMARY_KEY, type_="primary")
        batch_op.create_primary_key(PRIMARY_KEY, ["provider_id", "dt", "client_id"])
        batch_op.create_index(CLIENT_INDEX, ["provider_id", "client_id"])


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(CLIENT_INDEX)
        batch_op.drop_constraint(PRIMARY_KEY, type_="primary")
        batch_op.create_primary_key(PRIMARY_KEY, ["provider_id", "client_id", "dt"])
        batch_op.create_index(RANGE_INDEX, ["provider_id", "dt"], postgresql_include=COVERED)
