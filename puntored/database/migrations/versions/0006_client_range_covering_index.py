"""provider_client_daily_metrics: the (provider_id, dt) index covers the summed measures

The clients endpoint sums a provider's points of sale over a date range; with the measures
in the index (PostgreSQL INCLUDE) that is an index-only scan, no heap visit per row
(docs/decisions/0511-api-cache-before-database.md). SQLite keeps the plain index.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02 04:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "provider_client_daily_metrics"
INDEX = "ix_provider_client_daily_metrics_provider_id_dt"
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
        batch_op.drop_index(INDEX)
        batch_op.create_index(INDEX, ["provider_id", "dt"], postgresql_include=COVERED)


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.create_index(INDEX, ["provider_id", "dt"])
