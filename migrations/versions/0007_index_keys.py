"""index keys: each blind index row names its index key and normaliser version

Revision ID: 0007_index_keys
Revises: 0005_integrity

A migration holds no keys: existing rows get key_id NULL and version 1, which `flask index rebuild`
recomputes (dropping the old standalone county and birth-year tokens) under the current index key.
Searches match them meanwhile (tokens are compared under every index key the review face holds).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_index_keys'
down_revision = '0005_integrity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('blind_indexes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.LargeBinary(length=16), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('blind_indexes', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('key_id')
