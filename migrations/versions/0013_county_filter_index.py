"""county filter: the blind-index lookup index covers the report id

Revision ID: 0013_county_filter_index
Revises: 0012_workspace

The inbox's county filter reads every report id under the county's tokens (one per birth year)
before it cuts the page by arrival; with `report_id` in the lookup index that read is an
index-only scan instead of one heap visit per row.
"""
from alembic import op


revision = '0013_county_filter_index'
down_revision = '0012_workspace'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('blind_indexes', schema=None) as batch_op:
        batch_op.drop_index('ix_blind_indexes_lookup')
        batch_op.create_index('ix_blind_indexes_lookup', ['index_name', 'token', 'report_id'], unique=False)


def downgrade():
    with op.batch_alter_table('blind_indexes', schema=None) as batch_op:
        batch_op.drop_index('ix_blind_indexes_lookup')
        batch_op.create_index('ix_blind_indexes_lookup', ['index_name', 'token'], unique=False)
