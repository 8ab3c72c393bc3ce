"""county filter: the blind-index rows written before the birth decades in a partial index of their own

Revision ID: 0022_before_decades_index
Revises: 0021_pair_state_seq

INDEX_VERSION 15 adds a `county_birth_decade` row to every report (the county with the birth year's
decade): the inbox's county filter reads 14 tokens instead of ~128. Rows written before (version
below 15, among them every row still without an arrival) are found by their ~128 birth-year tokens
until `flask index rebuild` recomputes them; this partial index holds those rows alone (empty once
rebuilt, so each probe is a look at one page) and replaces the one of rows without an arrival.
"""
from alembic import op
import sqlalchemy as sa


revision = '0022_before_decades_index'
down_revision = '0021_pair_state_seq'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('blind_indexes', schema=None) as batch_op:
        batch_op.drop_index('ix_blind_indexes_unfilled', postgresql_where=sa.text('arrival IS NULL'),
                            sqlite_where=sa.text('arrival IS NULL'))
        batch_op.create_index('ix_blind_indexes_before_decades', ['index_name', 'token'], unique=False,
                              postgresql_where=sa.text('version < 15'), sqlite_where=sa.text('version < 15'))


def downgrade():
    with op.batch_alter_table('blind_indexes', schema=None) as batch_op:
        batch_op.drop_index('ix_blind_indexes_before_decades', postgresql_where=sa.text('version < 15'),
                            sqlite_where=sa.text('version < 15'))
        batch_op.create_index('ix_blind_indexes_unfilled', ['index_name', 'token'], unique=False,
                              postgresql_where=sa.text('arrival IS NULL'), sqlite_where=sa.text('arrival IS NULL'))
