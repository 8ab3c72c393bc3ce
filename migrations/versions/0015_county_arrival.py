"""county filter: each blind-index row carries its report's arrival

Revision ID: 0015_county_arrival
Revises: 0014_export_member_chunks

`blind_indexes.arrival` is a copy of `reports.arrival`, and the lookup index orders a token's rows
by it: the inbox's county filter then reads the first rows of each of the county's tokens in inbox
order (a page's worth) instead of every report of the county. Existing rows have no arrival until
`flask index rebuild` copies it (batched and resumable, nothing decrypted); until then the inbox
finds them through `reports.arrival`, as before.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_county_arrival'
down_revision = '0014_export_member_chunks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('blind_indexes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrival', sa.BigInteger(), server_default=sa.text('NULL'), nullable=True))
        batch_op.drop_index('ix_blind_indexes_lookup')
        batch_op.create_index('ix_blind_indexes_lookup', ['index_name', 'token', 'arrival', 'report_id'], unique=False)


def downgrade():
    with op.batch_alter_table('blind_indexes', schema=None) as batch_op:
        batch_op.drop_index('ix_blind_indexes_lookup')
        batch_op.create_index('ix_blind_indexes_lookup', ['index_name', 'token', 'report_id'], unique=False)
        batch_op.drop_column('arrival')
