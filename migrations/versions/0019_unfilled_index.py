"""county filter: the blind-index rows without an arrival in a partial index of their own

Revision ID: 0019_unfilled_index
Revises: 0018_packed_inline

The county filter also looks, for each of a county's ~128 tokens, for rows written before they
carried the arrival (migration 0015, until `flask index rebuild`). In the lookup index each of those
probes was a descent to the token's last leaf page; in a partial index of those rows alone (empty
once rebuilt) it is a look at one page.
"""
from alembic import op
import sqlalchemy as sa


revision = '0019_unfilled_index'
down_revision = '0018_packed_inline'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('blind_indexes', schema=None) as batch_op:
        batch_op.create_index('ix_blind_indexes_unfilled', ['index_name', 'token'], unique=False,
                              postgresql_where=sa.text('arrival IS NULL'), sqlite_where=sa.text('arrival IS NULL'))


def downgrade():
    with op.batch_alter_table('blind_indexes', schema=None) as batch_op:
        batch_op.drop_index('ix_blind_indexes_unfilled', postgresql_where=sa.text('arrival IS NULL'),
                            sqlite_where=sa.text('arrival IS NULL'))
