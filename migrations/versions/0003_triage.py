"""triage: tags on reports

Revision ID: 0003
Revises: 0002

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tags',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('name', name=op.f('uq_tags_name'))
    )
    op.create_table('report_tags',
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('tag_id', sa.Uuid(), nullable=False),
    sa.Column('added_by_id', sa.Uuid(), nullable=True),
    sa.Column('added_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_report_tags_added_by_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_tags_report_id_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_report_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'tag_id', name=op.f('pk_report_tags'))
    )
    with op.batch_alter_table('report_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_tags_tag_id'), ['tag_id'], unique=False)
    # The inbox lists newest first: without this index its first page scans every report.
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_created_on'), ['created_on'], unique=False)


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_created_on'))
    with op.batch_alter_table('report_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_tags_tag_id'))

    op.drop_table('report_tags')
    op.drop_table('tags')
