"""export membership packed into chunks

Revision ID: 0014_export_member_chunks
Revises: 0013_county_filter_index

An export's membership (which reports it contains, and the person each row stands for) was one
sealed row per report: a million-person export wrote a million rows inside its build's
transaction, most of the time after decryption. New exports write a few hundred sealed chunks of
up to 4,096 members each (services/export_members.py). Rows of exports built before stay in
`export_members` and are still read for withdrawal notices.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_export_member_chunks'
down_revision = '0013_county_filter_index'
branch_labels = None
depends_on = None

SEAL = sa.LargeBinary(length=49)


def upgrade():
    op.create_table('export_member_chunks',
    sa.Column('export_id', sa.Uuid(), nullable=False),
    sa.Column('first_report', sa.Uuid(), nullable=False),
    sa.Column('last_report', sa.Uuid(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('members', sa.LargeBinary(), nullable=False),
    sa.Column('mac', SEAL, nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['export_id'], ['exports.id'], name=op.f('fk_export_member_chunks_export_id_exports'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_member_chunks'))
    )
    with op.batch_alter_table('export_member_chunks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_member_chunks_export_id'), ['export_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_member_chunks_first_report'), ['first_report'], unique=False)


def downgrade():
    with op.batch_alter_table('export_member_chunks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_member_chunks_first_report'))
        batch_op.drop_index(batch_op.f('ix_export_member_chunks_export_id'))
    op.drop_table('export_member_chunks')
