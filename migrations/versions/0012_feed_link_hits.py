"""feed links count their own requests (the per-link rate limit)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hits', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('hits_until', sa.Float(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.drop_column('hits_until')
        batch_op.drop_column('hits')
