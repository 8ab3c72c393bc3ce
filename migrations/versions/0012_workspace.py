"""workspace: arrival order of reports, retractions, one-time form claims, retracted replies

Revision ID: 0012_workspace
Revises: 0005_integrity

`reports.arrival` orders the inbox newest first and is its keyset cursor; rows already taken in
are numbered here in their old order (date received, then id), new ones at take-in.
`retractions` (review face only, sealed) withdraws a note, reply or status event added by mistake;
`messages.retracted` hides a retracted reply from the family. `form_claims` holds the one-time
tokens of review forms, so a form posted twice is stored once. `saved_views` holds the inbox
filters reviewers saved under names of their own.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_workspace'
down_revision = '0011_imports_api'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrival', sa.BigInteger(), server_default=sa.text('NULL'), nullable=True))
        batch_op.create_index('ix_reports_arrival', ['arrival', 'id'], unique=False)
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retracted', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('retractions',
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('object_type', sa.String(length=16), nullable=False),
    sa.Column('object_id', sa.Uuid(), nullable=False),
    sa.Column('replacement_id', sa.Uuid(), nullable=True),
    sa.Column('actor_id', sa.Uuid(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('mac', sa.LargeBinary(length=49), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_retractions_actor_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_retractions_report_id_reports'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retractions')),
    sa.UniqueConstraint('object_type', 'object_id', name='uq_retractions_object')
    )
    with op.batch_alter_table('retractions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retractions_report_id'), ['report_id'], unique=False)
    op.create_table('form_claims',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('claimed_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_form_claims'))
    )
    with op.batch_alter_table('form_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_claims_claimed_on'), ['claimed_on'], unique=False)
    op.create_table('saved_views',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('query', sa.String(length=600), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    sa.UniqueConstraint('user_id', 'name', name='uq_saved_views_user_name')
    )
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_views_user_id'), ['user_id'], unique=False)
    # Number the reports already taken in, in the order the inbox showed them.
    reports = sa.table('reports', sa.column('id', sa.Uuid()), sa.column('submission_id', sa.Uuid()),
                       sa.column('created_on', sa.Date()), sa.column('arrival', sa.BigInteger()))
    submissions = sa.table('submissions', sa.column('id', sa.Uuid()), sa.column('in_working_store', sa.Boolean()))
    conn = op.get_bind()
    rows = conn.execute(sa.select(reports.c.id).select_from(
        reports.join(submissions, submissions.c.id == reports.c.submission_id))
        .where(submissions.c.in_working_store.is_(True)).order_by(reports.c.created_on, reports.c.id)).scalars().all()
    for n, rid in enumerate(rows, 1):
        conn.execute(reports.update().where(reports.c.id == rid).values(arrival=n))

def downgrade():
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_views_user_id'))
    op.drop_table('saved_views')
    with op.batch_alter_table('form_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_claims_claimed_on'))
    op.drop_table('form_claims')
    with op.batch_alter_table('retractions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retractions_report_id'))
    op.drop_table('retractions')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('retracted')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_arrival')
        batch_op.drop_column('arrival')
