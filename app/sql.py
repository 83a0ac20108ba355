"""Hot statements run as plain rows on the request's own database connection.

The few selects every page view runs (the sign-in session's lookup, a home page's cards)
are built once per process. Executing such a select through SQLAlchemy still costs more
than the database's work each time: it derives and hashes the statement's cache key,
looks the compiled form up, expands IN lists, and wraps the result in its row machinery
(measured: 45 µs against 16 µs on SQLite for the guardian's cards statement). `Prepared`
does that work once per process, database dialect and shape (the length of each IN list)
and then runs the SQL on the DBAPI cursor of the session's connection, so it shares the
request's transaction and sees what the request wrote.

What stays SQLAlchemy's: the SQL text and parameter order come from SQLAlchemy's own
compiler (`construct_expanded_state`), and each parameter and column goes through its type's
bind and result processors (UTCDateTime, booleans on SQLite, ...) exactly as they would
through `connection.execute`. Listeners of `before_cursor_execute`/`after_cursor_execute`
(the statement counts of tests/test_queries.py) see every statement run here.

Only selects whose result columns are all plain values belong here; nothing in it holds
data, only compiled SQL text, so every worker computes the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql import Select

from app.extensions import db


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    # One (parameter name or None for a value fixed in the statement, index in its list
    # or -1, bind processor or None, the fixed value) per position.
    slots: tuple[tuple[str | None, int, Callable | None, object], ...]
    named: bool  # the driver takes a dict (psycopg) rather than a tuple (sqlite3)
    names: tuple[str, ...]  # named drivers: the expanded names, in slot order
    results: tuple[tuple[int, Callable], ...]  # (column index, result processor)


_CONNECTION = "app.sql connection"


def _connection():
    """The session's connection in its current transaction, and its DBAPI connection:
    asked of the session once per transaction (a page runs several statements, and each
    Session.connection() call walks its transaction's bookkeeping). Like Core statements
    on `db.session.connection()`, nothing pending in the ORM is flushed first."""
    session = db.session()
    transaction = session.get_transaction()
    found = session.info.get(_CONNECTION)
    if (
        found is not None
        and transaction is not None
        and found[0] is transaction
        and transaction.is_active
        and not found[1].closed
    ):
        return found[1], found[2]
    connection = session.connection()
    found = (session.get_transaction(), connection, connection.connection.dbapi_connection)
    session.info[_CONNECTION] = found
    return found[1], found[2]


class Prepared:
    """A select built once by `build` (on first use), run as a list of plain tuples."""

    def __init__(self, build: Callable[[], Select]):
        self._build = build
        self._statement: Select | None = None
        self._plans: dict[tuple, _Plan] = {}

    @property
    def statement(self) -> Select:
        if self._statement is None:
            self._statement = self._build()
        return self._statement

    def all(self, **params) -> list[tuple]:
        connection, dbapi_connection = _connection()
        dialect = connection.dialect
        key = (dialect.name, *((n, len(v) if type(v) is list else -1) for n, v in params.items()))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(dialect, params)
        values = []
        for name, index, process, fixed in plan.slots:
            value = fixed if name is None else params[name] if index < 0 else params[name][index]
            values.append(process(value) if process is not None and value is not None else value)
        parameters = dict(zip(plan.names, values, strict=True)) if plan.named else tuple(values)
        dispatch = connection.dispatch
        context = None
        cursor = dbapi_connection.cursor()
        try:
            if dispatch.before_cursor_execute:
                context = SimpleNamespace(compiled=None, statement=plan.sql)
                for listener in dispatch.before_cursor_execute:
                    listener(connection, cursor, plan.sql, parameters, context, False)
            cursor.execute(plan.sql, parameters)
            if dispatch.after_cursor_execute:
                for listener in dispatch.after_cursor_execute:
                    listener(connection, cursor, plan.sql, parameters, context, False)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if plan.results:
            processed = []
            for row in rows:
                row = list(row)
                for index, process in plan.results:
                    row[index] = process(row[index])
                processed.append(tuple(row))
            return processed
        return rows

    def first(self, **params) -> tuple | None:
        rows = self.all(**params)
        return rows[0] if rows else None

    def _plan(self, dialect, params: dict) -> _Plan:
        statement = self.statement
        compiled = statement.compile(dialect=dialect)
        # Distinct stand-ins show which expanded position holds which value.
        marks = {}
        sample = {}
        for name, value in params.items():
            if type(value) is list:
                sample[name] = [object() for _ in value]
                for index, mark in enumerate(sample[name]):
                    marks[id(mark)] = (name, index)
            else:
                sample[name] = object()
                marks[id(sample[name])] = (name, -1)
        # Rendering the SQL only: the processors are applied per request, below.
        expanded = compiled.construct_expanded_state(sample)
        binds = compiled.binds  # by the name the SQL gives each parameter
        if compiled.positional:
            order = [(n, expanded.parameters[n]) for n in expanded.positiontup]
        else:
            order = list(expanded.parameters.items())
        slots = []
        names = []
        for expanded_name, mark in order:
            if id(mark) in marks:
                name, index = marks[id(mark)]
                bind_type = binds[name].type
                fixed = None
            else:  # a value the statement holds itself, such as a LIMIT
                name, index, fixed = None, -1, mark
                # An IN list the statement holds gives name_1, name_2, ... of one parameter.
                bound = binds.get(expanded_name)
                if bound is None:
                    bound = binds[expanded_name.rsplit("_", 1)[0]]
                bind_type = bound.type
            process = bind_type.dialect_impl(dialect).bind_processor(dialect)
            slots.append((name, index, process, fixed))
            names.append(expanded_name)
        results = []
        for index, column in enumerate(statement.selected_columns):
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if process is not None:
                results.append((index, process))
        return _Plan(
            expanded.statement,
            tuple(slots),
            not compiled.positional,
            tuple(names),
            tuple(results),
        )


# --- whole rows as entities of the request's session ----------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """A mapped class's columns, for a Prepared select that reads whole rows of it: select
    `*Row.of(Model).columns`, then `entity(values)` for the row's slice of the values."""

    model: type
    keys: tuple[str, ...]  # the attributes, in the order of `columns`
    columns: tuple
    key_index: int  # where the primary key is among them

    @classmethod
    def of(cls, model) -> Row:
        mapper = model.__mapper__
        (primary,) = mapper.primary_key  # single-column keys only
        attributes = mapper.column_attrs
        keys = tuple(p.key for p in attributes)
        columns = tuple(p.columns[0] for p in attributes)
        return cls(model, keys, columns, columns.index(primary))

    def __len__(self) -> int:
        return len(self.keys)

    def entity(self, values):
        """The row as a persistent entity of this request's session: the one already there
        if the request loaded that row before (as the ORM's own loading keeps it), else
        one built as that loading builds it, its values straight into the instance's
        state with no history, so nothing about it is pending. What it relates to loads
        as usual; a many-to-one whose target is in the session is found there without
        another statement."""
        session = db.session()
        key = (self.model, (values[self.key_index],), None)  # the mapper's identity key
        found = session.identity_map.get(key)
        if found is not None:
            return found
        instance = self.model.__mapper__.class_manager.new_instance()
        state = instance_state(instance)
        state.dict.update(zip(self.keys, values, strict=True))
        state.key = key
        # Persistent: it has its key and nothing pending. What Session.add does for it,
        # without walking its relationships for cascades: a new instance holds none yet.
        session._save_or_update_impl(state)
        return instance


def entities(rows: tuple[Row, ...], values) -> list:
    """One entity per Row from one result row that selected their columns in that order."""
    found, start = [], 0
    for row in rows:
        found.append(row.entity(values[start : start + len(row)]))
        start += len(row)
    return found
