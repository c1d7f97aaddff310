"""price history: versioned price decisions per event x category x selling day

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('price_decisions',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('organization_id', _ID, nullable=False),
    sa.Column('event_id', _ID, nullable=False),
    sa.Column('category_id', _ID, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=True),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('recommended_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("action in ('recommended', 'accepted', 'tweaked', 'rejected', 'manual')", name=op.f('ck_price_decisions_action')),
    sa.CheckConstraint('price > 0', name=op.f('ck_price_decisions_price_positive')),
    sa.CheckConstraint('days_before is null or days_before >= 0', name=op.f('ck_price_decisions_days_before_not_negative')),
    sa.ForeignKeyConstraint(['category_id'], ['seat_categories.id'], name=op.f('fk_price_decisions_category_id_seat_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_price_decisions_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_price_decisions_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_decisions')),
    sa.UniqueConstraint('event_id', 'category_id', 'version', 'days_before', name=op.f('uq_price_decisions_event_id_category_id_version_days_before'))
    )
    with op.batch_alter_table('price_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_price_decisions_org_event', ['organization_id', 'event_id', 'version'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('price_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_price_decisions_org_event')
    op.drop_table('price_decisions')
