"""Items and jobs keep the order they were added in, on every database: a `seq` column.

Before, they were listed in the order of SQLite's rowid, which PostgreSQL has no equivalent
of. `seq` becomes the primary key and `id` stays unique. On SQLite the tables are rebuilt with
`seq` as their INTEGER PRIMARY KEY (the rowid itself), copied from the old rowid, so the order
of existing rows is kept exactly; on PostgreSQL `seq` is a BIGINT identity.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("items", "jobs")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TABLES:
            _rebuild(name, seq=True)
        return
    for name in TABLES:
        op.add_column(name, sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False))
        op.drop_constraint(f"{name}_pkey", name, type_="primary")
        op.create_primary_key(f"{name}_pkey", name, ["seq"])
        op.create_unique_constraint(f"{name}_id_key", name, ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TABLES:
            _rebuild(name, seq=False)
        return
    for name in TABLES:
        op.drop_constraint(f"{name}_id_key", name, type_="unique")
        op.drop_constraint(f"{name}_pkey", name, type_="primary")
        op.create_primary_key(f"{name}_pkey", name, ["id"])
        op.drop_column(name, "seq")


def _rebuild(name: str, seq: bool) -> None:
    """SQLite cannot change a primary key in place: a new table, the rows copied in order."""
    columns = _columns(name)
    names = ", ".join(c.name for c in columns)
    new = f"_{name}_new"
    if seq:
        op.create_table(
            new,
            sa.Column("seq", sa.Integer, primary_key=True),
            sa.Column("id", sa.Text, nullable=False, unique=True),
            *columns,
        )
        op.execute(f"INSERT INTO {new} (seq, id, {names}) SELECT rowid, id, {names} FROM {name}")
    else:
        op.create_table(new, sa.Column("id", sa.Text, primary_key=True), *columns)
        op.execute(f"INSERT INTO {new} (id, {names}) SELECT id, {names} FROM {name} ORDER BY seq")
    op.drop_table(name)  # and its indexes
    op.rename_table(new, name)
    if name == "items":
        op.create_index("items_created", "items", ["created"])


def _columns(name: str) -> list[sa.Column]:
    """The table's columns other than `id` and `seq`, as revision 0001 made them."""
    if name == "items":
        return [
            sa.Column("created", sa.Float, nullable=False),
            sa.Column("key_id", sa.Text),
            sa.Column("kind", sa.Text, nullable=False, server_default="text"),
            sa.Column("ref", sa.Text, nullable=False),
            sa.Column("result", sa.Text, nullable=False),
        ]
    return [
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("key_id", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("input_path", sa.Text, nullable=False),
        sa.Column("output_path", sa.Text, nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("rows_done", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("rows_total", sa.Integer),
        sa.Column("errors", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("error", sa.Text),
        sa.Column("finished", sa.Float),
    ]
