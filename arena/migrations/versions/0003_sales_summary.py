"""sales summaries: tickets and revenue per event x purchase day, per event x category x tariff x channel

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _summary(name: str, *keys: sa.Column) -> None:
    op.create_table(name,
    sa.Column('organization_id', _ID, nullable=False),
    sa.Column('event_id', _ID, nullable=False),
    *keys,
    sa.Column('ticket_count', sa.BigInteger(), nullable=False),
    sa.Column('revenue', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f(f'fk_{name}_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f(f'fk_{name}_organization_id_organizations'), ondelete='CASCADE'),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(f'ix_{name}_org_event', ['organization_id', 'event_id'], unique=False)


def upgrade() -> None:
    _summary('sales_by_event_day', sa.Column('purchased_on', sa.Date(), nullable=True))
    _summary('sales_by_event_offer',
             sa.Column('category_id', _ID, nullable=True),
             sa.Column('tariff_id', _ID, nullable=True),
             sa.Column('channel_id', _ID, nullable=True))
    # Existing databases already hold tickets: build every organization's summaries once.
    op.execute(
        "INSERT INTO sales_by_event_day (organization_id, event_id, purchased_on, ticket_count, "
        "revenue) SELECT organization_id, event_id, date(purchased_at), count(*), sum(price) "
        "FROM tickets GROUP BY organization_id, event_id, date(purchased_at)"
    )
    op.execute(
        "INSERT INTO sales_by_event_offer (organization_id, event_id, category_id, tariff_id, "
        "channel_id, ticket_count, revenue) SELECT organization_id, event_id, category_id, "
        "tariff_id, channel_id, count(*), sum(price) FROM tickets "
        "GROUP BY organization_id, event_id, category_id, tariff_id, channel_id"
    )


def downgrade() -> None:
    for name in ('sales_by_event_offer', 'sales_by_event_day'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{name}_org_event')
        op.drop_table(name)
