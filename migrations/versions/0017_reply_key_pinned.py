"""the family's reply key pinned by the review face

Revision ID: 0017_reply_key_pinned
Revises: 0016_packed_fields

`submissions.reply_key_pinned`: the reply key replies are sealed to, copied by the review face at
take-in from `reply_public_key` (which the public role may update, for moving legacy receipts), in a
column the public role cannot write. Submissions already taken in get the key they hold now.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_reply_key_pinned'
down_revision = '0016_packed_fields'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_key_pinned', sa.LargeBinary(), server_default=sa.text('NULL'),
                                      nullable=True))
    op.execute("UPDATE submissions SET reply_key_pinned = reply_public_key "
               "WHERE in_working_store AND status <> 'withdrawn'")


def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('reply_key_pinned')
