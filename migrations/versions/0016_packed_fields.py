"""a report's sealed fields packed in one ciphertext for whole-store jobs

Revision ID: 0016_packed_fields
Revises: 0015_county_arrival

`reports.packed` holds every sealed field of the report once more, in one ciphertext under the
same data key, written by the review face at take-in (services/packed_fields.py); `packed_version`
is its layout. Existing reports have none until `flask index rebuild` writes it (batched and
resumable); until then the bulk path reads their fields, as before.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_packed_fields'
down_revision = '0015_county_arrival'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('packed', sa.LargeBinary(), server_default=sa.text('NULL'), nullable=True))
        batch_op.add_column(sa.Column('packed_version', sa.SmallInteger(), server_default=sa.text('NULL'),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('packed_version')
        batch_op.drop_column('packed')
