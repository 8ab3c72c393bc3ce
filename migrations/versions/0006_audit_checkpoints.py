"""audit checkpoints: signed chain heads, so verification starts from the last one

Revision ID: 0006_audit_checkpoints
Revises: 0005_integrity

A new table only; existing entries are untouched. Without a checkpoint, verification starts at the
first entry, as before. Run `flask db grants` after upgrading: the review role may insert
checkpoints but never change or delete them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_audit_checkpoints'
down_revision = '0005_integrity'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_checkpoints',
        sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('entry_hash', sa.LargeBinary(length=32), nullable=False),
        sa.Column('count', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('key_id', sa.LargeBinary(length=16), nullable=False),
        sa.Column('signature', sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_checkpoints')),
    )


def downgrade():
    op.drop_table('audit_checkpoints')
