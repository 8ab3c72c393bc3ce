"""candidate pairs: the deduplication review queue

Revision ID: 0009_candidate_pairs
Revises: 0007_index_keys (this branch merged index-bulk; the lead re-chains)

One table of report pairs the matcher suggests, with the reviewer's decision. Ids, probabilities,
comparison levels and a fingerprint of ciphertexts only; each row sealed by the review face.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_candidate_pairs'
down_revision = '0007_index_keys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('candidate_pairs',
    sa.Column('left_id', sa.Uuid(), nullable=False),
    sa.Column('right_id', sa.Uuid(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('levels', sa.String(length=400), nullable=False),
    sa.Column('model_version', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('found_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('batch_id', sa.Uuid(), nullable=True),
    sa.Column('fingerprint', sa.LargeBinary(length=32), nullable=False),
    sa.Column('mac', sa.LargeBinary(length=49), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_candidate_pairs_decided_by_id_users')),
    sa.ForeignKeyConstraint(['left_id'], ['reports.id'], name=op.f('fk_candidate_pairs_left_id_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['right_id'], ['reports.id'], name=op.f('fk_candidate_pairs_right_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_pairs')),
    sa.UniqueConstraint('left_id', 'right_id', name='uq_candidate_pairs_left_right')
    )
    with op.batch_alter_table('candidate_pairs', schema=None) as batch_op:
        batch_op.create_index('ix_candidate_pairs_queue', ['status', 'probability'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_pairs_right_id'), ['right_id'], unique=False)


def downgrade():
    with op.batch_alter_table('candidate_pairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_pairs_right_id'))
        batch_op.drop_index('ix_candidate_pairs_queue')
    op.drop_table('candidate_pairs')
