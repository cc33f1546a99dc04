"""Many rows into one table at once, for the steps that write 100,000s of them (intake's projects,
the reconciliation's items)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection

from techreform.warehouse.models import Base


def insert_many(
    conn: Connection, model: type[Base], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (values of ``columns``, in that order) into ``model``'s table.

    On SQLite the statement is compiled once and each value goes through its column's bind
    processor as SQLAlchemy would, then straight to the driver's executemany (SQLAlchemy's per-row
    parameter handling is most of the time of 100,000s of rows); elsewhere SQLAlchemy's own
    executemany (batched "insertmanyvalues"). A column with a Python-side default that ``columns``
    leaves out is refused (ValueError), not left to the default: give it."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows])
        return
    keys = list(columns)
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=keys)
    assert compiled.positiontup is not None  # SQLite's paramstyle is positional
    missing = [name for name in compiled.positiontup if name not in keys]
    if missing:
        raise ValueError(f"insert_many into {table.name}: no values for {missing}")
    where = [keys.index(name) for name in compiled.positiontup]
    get = itemgetter(*where)
    dialect = conn.dialect
    processors = [table.c[keys[i]].type.dialect_impl(dialect).bind_processor(dialect) for i in where]
    convert = [(n, p) for n, p in enumerate(processors) if p is not None]
    params: list[tuple[Any, ...]] = []
    for r in rows:
        values = list(get(r)) if len(where) > 1 else [get(r)]
        for n, p in convert:
            values[n] = p(values[n])
        params.append(tuple(values))
    conn.exec_driver_sql(compiled.string, params)


def insert_dicts(conn: Connection, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """``insert_many`` of rows given as dicts: the columns are the first row's keys (as in
    SQLAlchemy's executemany, every row must have them)."""
    if not rows:
        return
    columns = tuple(rows[0])
    insert_many(conn, model, columns, [tuple(r[c] for c in columns) for r in rows])
