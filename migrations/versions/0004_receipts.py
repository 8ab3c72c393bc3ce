"""receipts that cost one Argon2id at any size; names the family typed, readable with the receipt;
family answers linked to the question they answer

Revision ID: 0004_receipts
Revises: 0003

Existing submissions keep their bucket and legacy verifier (their selector stays empty) and move to
the new scheme on their next successful use; nothing is rewritten here.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_receipts'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_selector', sa.LargeBinary(length=32), nullable=True))
        batch_op.add_column(sa.Column('family_names', sa.LargeBinary(), nullable=True))
        batch_op.alter_column('receipt_bucket', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_submissions_receipt_selector'), ['receipt_selector'])
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_reply_to_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_messages_in_reply_to_id'), ['in_reply_to_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_messages_in_reply_to_id_messages'), 'messages',
                                    ['in_reply_to_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_messages_in_reply_to_id_messages'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_messages_in_reply_to_id'))
        batch_op.drop_column('in_reply_to_id')
    # Receipts that moved to the new scheme have no bucket and cannot go back: a downgrade keeps
    # their rows (bucket 0, which no legacy receipt check will match) rather than lose testimony.
    op.execute("UPDATE submissions SET receipt_bucket = 0 WHERE receipt_bucket IS NULL")
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_submissions_receipt_selector'), type_='unique')
        batch_op.alter_column('receipt_bucket', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('family_names')
        batch_op.drop_column('receipt_selector')
