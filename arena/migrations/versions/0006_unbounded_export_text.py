"""text read from exports has no length limit on PostgreSQL

Names, places, seats and references come from files Arena does not control. With varchar(n),
one 150-character seat or tariff name made PostgreSQL refuse the whole import ("value too long
for type character varying(100)"); SQLite never enforced the limits. varchar(n) → text is
binary-compatible in PostgreSQL: no table rewrite. SQLite ignores declared lengths, so its
tables are left as they are.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# (table, column, former length)
_COLUMNS = (
    ('ticketing_sources', 'name', 100), ('cities', 'name', 150), ('cities', 'name_key', 150),
    ('postal_codes', 'code', 12), ('venues', 'name', 200), ('venues', 'address', 300),
    ('events', 'name', 300), ('seat_categories', 'name', 100), ('tariffs', 'name', 100),
    ('sales_channels', 'name', 100), ('customers', 'first_name', 100),
    ('customers', 'last_name', 100), ('customers', 'address', 300), ('orders', 'order_ref', 100),
    ('tickets', 'ticket_ref', 100), ('tickets', 'seat', 100), ('imports', 'file_name', 300),
    ('rejected_rows', 'column_name', 200), ('import_warnings', 'column_name', 200),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column, _length in _COLUMNS:
        op.alter_column(table, column, type_=sa.Text())


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column, length in _COLUMNS:
        # Longer values loaded since are cut to the old limit rather than block the downgrade.
        op.alter_column(table, column, type_=sa.String(length),
                        postgresql_using=f'left({column}, {length})')
