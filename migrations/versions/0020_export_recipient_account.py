"""exports: the researcher account an export is released to

Revision ID: 0020_export_recipient_account
Revises: 0019_unfilled_index

Until now every researcher account saw every released export; the recipient was a name typed on
the proposal. An export now names the one researcher account that may see and download it, sealed
with the export's state. Exports proposed before keep no account: researchers see none of them
until an admin assigns one (`flask export assign`).
"""
from alembic import op
import sqlalchemy as sa


revision = '0020_export_recipient_account'
down_revision = '0019_unfilled_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_account_id', sa.Uuid(), nullable=True))
        batch_op.create_index('ix_exports_recipient_account_id', ['recipient_account_id'], unique=False)
        batch_op.create_foreign_key('fk_exports_recipient_account_id_users', 'users', ['recipient_account_id'], ['id'])


def downgrade():
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.drop_constraint('fk_exports_recipient_account_id_users', type_='foreignkey')
        batch_op.drop_index('ix_exports_recipient_account_id')
        batch_op.drop_column('recipient_account_id')
