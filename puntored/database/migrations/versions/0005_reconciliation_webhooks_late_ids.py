"""reconciliation, webhooks + delivery log, late events by transaction, alerts.transaction_id

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 04:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=18, scale=2)
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transaction_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_alerts_provider_id_alert_type_transaction_id"),
            ["provider_id", "alert_type", "transaction_id"],
            unique=True,
        )

    op.create_table(
        "realtime_late_transactions",
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=True),
        sa.Column("window_start", UTC, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint(
            "provider_id", "transaction_id", name=op.f("pk_realtime_late_transactions")
        ),
    )
    with op.batch_alter_table("realtime_late_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_realtime_late_transactions_window_start"), ["window_start"]
        )

    op.create_table(
        "reconciliation",
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("dt", sa.Date(), nullable=False),
        sa.Column("batch_transactions", sa.BigInteger(), nullable=False),
        sa.Column("realtime_transactions", sa.BigInteger(), nullable=False),
        sa.Column("batch_approved", sa.BigInteger(), nullable=False),
        sa.Column("realtime_approved", sa.BigInteger(), nullable=False),
        sa.Column("batch_gross_amount", MONEY, nullable=False),
        sa.Column("realtime_gross_amount", MONEY, nullable=False),
        sa.Column("batch_net_amount", MONEY, nullable=False),
        sa.Column("realtime_net_amount", MONEY, nullable=False),
        sa.Column("explained", sa.JSON(), nullable=False),
        sa.Column("unexplained_transactions", sa.BigInteger(), nullable=False),
        sa.Column("unexplained_approved", sa.BigInteger(), nullable=False),
        sa.Column("unexplained_gross_amount", MONEY, nullable=False),
        sa.Column("unexplained_net_amount", MONEY, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reconciled_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("provider_id", "product_id", "dt", name=op.f("pk_reconciliation")),
    )
    with op.batch_alter_table("reconciliation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reconciliation_provider_id_dt"), ["provider_id", "dt"])

    op.create_table(
        "webhooks",
        sa.Column("webhook_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("removed_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("webhook_id", name=op.f("pk_webhooks")),
    )
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhooks_provider_id"), ["provider_id"])

    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("signature", sa.String(length=80), nullable=False),
        sa.Column("delivered_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_webhook_deliveries")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_webhook_id"), ["webhook_id"])
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_webhook_id_alert_id_event"),
            ["webhook_id", "alert_id", "event"],
            unique=True,
        )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
    op.drop_table("reconciliation")
    op.drop_table("realtime_late_transactions")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_provider_id_alert_type_transaction_id"))
        batch_op.drop_column("transaction_id")
