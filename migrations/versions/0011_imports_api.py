"""imports and researcher API: import sources, imported rows (fingerprints), API tokens

Revision ID: 0011_imports_api
Revises: 0010_exports (re-chained after merging the exports branch)

New tables only; nothing existing changes. `flask db grants` gives them to the review role only
(the public face has no business with imports or tokens).
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_imports_api'
down_revision = '0010_exports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_sources',
        sa.Column('imported_by', sa.String(length=64), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.Column('file_sha256', sa.String(length=64), nullable=False),
        sa.Column('file_kind', sa.String(length=8), nullable=False),
        sa.Column('rows_read', sa.Integer(), nullable=False),
        sa.Column('rows_imported', sa.Integer(), nullable=False),
        sa.Column('consent_share_research', sa.Boolean(), nullable=False),
        sa.Column('consent_contact', sa.Boolean(), nullable=False),
        sa.Column('name', sa.LargeBinary(), nullable=True),
        sa.Column('file_name', sa.LargeBinary(), nullable=True),
        sa.Column('consent_basis', sa.LargeBinary(), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_sources')),
    )
    with op.batch_alter_table('import_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_sources_file_sha256'), ['file_sha256'], unique=False)

    op.create_table(
        'imported_rows',
        sa.Column('report_id', sa.Uuid(), nullable=False),
        sa.Column('submission_id', sa.Uuid(), nullable=False),
        sa.Column('source_id', sa.Uuid(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('attribution', sa.LargeBinary(), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_imported_rows_report_id_reports'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['source_id'], ['import_sources.id'],
                                name=op.f('fk_imported_rows_source_id_import_sources')),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                name=op.f('fk_imported_rows_submission_id_submissions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_rows')),
        sa.UniqueConstraint('fingerprint', name=op.f('uq_imported_rows_fingerprint')),
        sa.UniqueConstraint('report_id', name=op.f('uq_imported_rows_report_id')),
    )
    with op.batch_alter_table('imported_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_rows_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_imported_rows_submission_id'), ['submission_id'], unique=False)

    op.create_table(
        'api_tokens',
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('label', sa.String(length=80), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.Column('mac', sa.LargeBinary(length=49), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
    op.drop_table('api_tokens')
    with op.batch_alter_table('imported_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imported_rows_submission_id'))
        batch_op.drop_index(batch_op.f('ix_imported_rows_source_id'))
    op.drop_table('imported_rows')
    with op.batch_alter_table('import_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_sources_file_sha256'))
    op.drop_table('import_sources')
