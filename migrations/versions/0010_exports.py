"""exports: researcher exports wired to the store (sealed state and membership, withdrawal notices,
statistics runs)

Revision ID: 0010_exports
Revises: 0005_integrity

Existing export rows (none were ever built: nothing wrote them) keep their columns; the new ones
are empty, and an unsealed export is never offered for download.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_exports'
down_revision = '0005_integrity'
branch_labels = None
depends_on = None

SEAL = sa.LargeBinary(length=49)


def _export_columns():
    return (
        sa.Column('recipient', sa.String(length=200), nullable=True),
        sa.Column('purpose', sa.String(length=500), nullable=True),
        sa.Column('approved_at', sa.DateTime(), nullable=True),
        sa.Column('built_at', sa.DateTime(), nullable=True),
        sa.Column('failure', sa.String(length=500), nullable=True),
        sa.Column('persons', sa.Integer(), nullable=True),
        sa.Column('reports', sa.Integer(), nullable=True),
        sa.Column('excluded', sa.JSON(), nullable=True),
        sa.Column('manifest_sha256', sa.String(length=64), nullable=True),
        sa.Column('pseudonym_key_id', sa.LargeBinary(length=16), nullable=True),
        sa.Column('pseudonym_salt', sa.LargeBinary(length=16), nullable=True),
        sa.Column('state_seq', sa.Integer(), server_default='0', nullable=False),
        sa.Column('state_mac', SEAL, nullable=True),
    )


def upgrade():
    with op.batch_alter_table('exports', schema=None) as batch_op:
        for column in _export_columns():
            batch_op.add_column(column)

    op.create_table('export_members',
    sa.Column('export_id', sa.Uuid(), nullable=False),
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('person_key', sa.Uuid(), nullable=False),
    sa.Column('mac', SEAL, nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['export_id'], ['exports.id'], name=op.f('fk_export_members_export_id_exports'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_export_members_report_id_reports'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_members'))
    )
    with op.batch_alter_table('export_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_members_export_id'), ['export_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_members_report_id'), ['report_id'], unique=False)

    op.create_table('export_notices',
    sa.Column('export_id', sa.Uuid(), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('pseudonyms', sa.Text(), nullable=False),
    sa.Column('notified_on', sa.Date(), nullable=True),
    sa.Column('notified_by_id', sa.Uuid(), nullable=True),
    sa.Column('mac', SEAL, nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['export_id'], ['exports.id'], name=op.f('fk_export_notices_export_id_exports'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notified_by_id'], ['users.id'], name=op.f('fk_export_notices_notified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_notices'))
    )
    with op.batch_alter_table('export_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_notices_export_id'), ['export_id'], unique=False)

    op.create_table('statistics_runs',
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('reference_year', sa.Integer(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('tables', sa.JSON(), nullable=False),
    sa.Column('excluded', sa.JSON(), nullable=False),
    sa.Column('mac', SEAL, nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_runs'))
    )


def downgrade():
    op.drop_table('statistics_runs')
    with op.batch_alter_table('export_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_notices_export_id'))
    op.drop_table('export_notices')
    with op.batch_alter_table('export_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_members_report_id'))
        batch_op.drop_index(batch_op.f('ix_export_members_export_id'))
    op.drop_table('export_members')
    with op.batch_alter_table('exports', schema=None) as batch_op:
        for column in reversed(_export_columns()):
            batch_op.drop_column(column.name)
