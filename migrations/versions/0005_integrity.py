"""integrity: sealed consent, review-side integrity seals, tombstones without receipts

Revision ID: 0005_integrity
Revises: 0004_receipts

Consent moves into the submission's ciphertext. A migration holds no keys, so existing choices are
kept in `legacy_consent` (bit mask: 1 share with researchers, 2 contact, 4 publish the name) until
the review face seals them (`flask integrity seal`, or take-in for rows still in the inbox). Rows
of every table keep their data; the review-side seals of existing rows are made by that command
too, and until then those rows read as "not yet sealed", never as verified.

Downgrade: sealed consent cannot be read without keys, so rows whose consent was sealed come back
as "no" to everything (the fail-safe answer); a tombstone's cleared verifier, reply key and language
come back empty (its selector and bucket stay empty: no receipt opens it).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_integrity'
down_revision = '0004_receipts'
branch_labels = None
depends_on = None

SEAL = sa.LargeBinary(length=49)


def upgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_on', sa.Date(), server_default=sa.text('NULL'), nullable=True))
        batch_op.add_column(sa.Column('state_seq', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('state_mac', SEAL, server_default=sa.text('NULL'), nullable=True))
        batch_op.add_column(sa.Column('consent', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('legacy_consent', sa.Integer(), server_default=sa.text('NULL'), nullable=True))
    op.execute("UPDATE submissions SET legacy_consent = "
               "(CASE WHEN consent_share_research THEN 1 ELSE 0 END) + "
               "(CASE WHEN consent_contact THEN 2 ELSE 0 END) + "
               "(CASE WHEN consent_publish_name THEN 4 ELSE 0 END)")
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('consent_share_research')
        batch_op.drop_column('consent_contact')
        batch_op.drop_column('consent_publish_name')
        batch_op.alter_column('language', existing_type=sa.String(length=16), nullable=True)
        batch_op.alter_column('receipt_verifier', existing_type=sa.LargeBinary(length=64), nullable=True)
        batch_op.alter_column('reply_public_key', existing_type=sa.LargeBinary(), nullable=True)
        batch_op.alter_column('status', existing_type=sa.String(length=24), server_default='received')
        batch_op.alter_column('in_working_store', existing_type=sa.Boolean(), server_default=sa.false())

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_seq', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('state_mac', SEAL, server_default=sa.text('NULL'), nullable=True))
        batch_op.add_column(sa.Column('reported_status', sa.LargeBinary(), nullable=True))
        batch_op.alter_column('status', existing_type=sa.String(length=24), server_default='unknown')
        batch_op.alter_column('verification', existing_type=sa.String(length=24), server_default='reported')

    with op.batch_alter_table('person_link_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac', SEAL, nullable=True))

    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_kind', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('mac', SEAL, nullable=True))


def downgrade():
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_column('mac')
        batch_op.drop_column('reported_kind')

    with op.batch_alter_table('person_link_events', schema=None) as batch_op:
        batch_op.drop_column('mac')

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.alter_column('verification', existing_type=sa.String(length=24), server_default=None)
        batch_op.alter_column('status', existing_type=sa.String(length=24), server_default=None)
        batch_op.drop_column('reported_status')
        batch_op.drop_column('state_mac')
        batch_op.drop_column('state_seq')

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        for name in ('consent_share_research', 'consent_contact', 'consent_publish_name'):
            batch_op.add_column(sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE submissions SET "
               "consent_share_research = (COALESCE(legacy_consent, 0) % 2 = 1), "
               "consent_contact = (COALESCE(legacy_consent, 0) / 2 % 2 = 1), "
               "consent_publish_name = (COALESCE(legacy_consent, 0) / 4 % 2 = 1)")
    op.execute("UPDATE submissions SET language = '' WHERE language IS NULL")
    empty = "X''" if op.get_bind().dialect.name == "sqlite" else "''::bytea"
    op.execute(f"UPDATE submissions SET receipt_verifier = {empty} WHERE receipt_verifier IS NULL")
    op.execute(f"UPDATE submissions SET reply_public_key = {empty} WHERE reply_public_key IS NULL")
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        for name in ('consent_share_research', 'consent_contact', 'consent_publish_name'):
            batch_op.alter_column(name, existing_type=sa.Boolean(), server_default=None)
        batch_op.alter_column('in_working_store', existing_type=sa.Boolean(), server_default=None)
        batch_op.alter_column('status', existing_type=sa.String(length=24), server_default=None)
        batch_op.alter_column('reply_public_key', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column('receipt_verifier', existing_type=sa.LargeBinary(length=64), nullable=False)
        batch_op.alter_column('language', existing_type=sa.String(length=16), nullable=False)
        batch_op.drop_column('legacy_consent')
        batch_op.drop_column('consent')
        batch_op.drop_column('state_mac')
        batch_op.drop_column('state_seq')
        batch_op.drop_column('purged_on')
