"""drop ix_tickets_org_purchased_at: no query reads tickets by purchase date alone

Every read of `tickets.purchased_at` also names the events (pricing's daily sales, the sales
summaries), which `ix_tickets_org_event` serves. The index cost every import a full rebuild
(about a second per million tickets) and served nothing.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_org_purchased_at')


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_org_purchased_at', ['organization_id', 'purchased_at'],
                              unique=False)
