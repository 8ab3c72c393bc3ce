"""candidate pairs: a state number sealed with the pair and recorded by its audited decisions

Revision ID: 0021_pair_state_seq
Revises: 0020_export_recipient_account

Each reseal of a pair raises it, and each audited decision records it, so that a database writer
cannot put back an older, validly sealed row of a decided pair. Pairs sealed before keep their
seal (domain `candidate-pair`) and count as state 0.
"""
from alembic import op
import sqlalchemy as sa


revision = '0021_pair_state_seq'
down_revision = '0020_export_recipient_account'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('candidate_pairs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_seq', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('candidate_pairs', schema=None) as batch_op:
        batch_op.drop_column('state_seq')
