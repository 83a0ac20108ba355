"""scale-out: outbox claims with a lease, undeliverable mail, the shared cache table

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_failed_at'), ['failed_at'], unique=False)

    # Messages given up before this release (attempts used up) become undeliverable.
    op.execute(
        "UPDATE outbox_message SET failed_at = COALESCE(next_attempt_at, created_at) "
        "WHERE sent_at IS NULL AND attempts >= 5"
    )

    op.create_table('cache_entry',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_cache_entry'))
    )
    with op.batch_alter_table('cache_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cache_entry_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('cache_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cache_entry_expires_at'))

    op.drop_table('cache_entry')

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_failed_at'))
        batch_op.drop_column('failed_at')
        batch_op.drop_column('claimed_until')
