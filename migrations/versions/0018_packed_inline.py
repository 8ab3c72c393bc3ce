"""packed copies kept in the report's row on PostgreSQL

Revision ID: 0018_packed_inline
Revises: 0017_reply_key_pinned

A whole-store job reads every report's packed copy; stored out of line, each cost a lookup in the
TOAST table's index. Rows up to 4 KB now stay whole and the copy is the last column moved out of
line (models/report.py STORAGE_DDL). Only rows written from now on are laid out so; nothing is
rewritten. SQLite keeps rows whole anyway.
"""
from alembic import op


revision = '0018_packed_inline'
down_revision = '0017_reply_key_pinned'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE reports SET (toast_tuple_target = 4080)")
        op.execute("ALTER TABLE reports ALTER COLUMN packed SET STORAGE MAIN")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE reports RESET (toast_tuple_target)")
        op.execute("ALTER TABLE reports ALTER COLUMN packed SET STORAGE EXTENDED")
