"""One DuckDB transaction: committed when the block ends, rolled back when it raises.

Blocks nest: an inner ``transaction(con)`` on a connection already inside one joins the outer transaction
(DuckDB has no nested transactions), so a stage can store its output and its completion record
(``store.stages``) in one commit even when the output is written by helpers that open their own block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

_OPEN: set[int] = set()
"""``id()`` of the connections inside an outermost ``transaction`` block (the process's own bookkeeping)."""


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """``with transaction(con): …`` — BEGIN, then COMMIT, or ROLLBACK and re-raise (also on KeyboardInterrupt).

    Inside an open block on the same connection: joins it (the outermost block commits or rolls back)."""
    key = id(con)
    if key in _OPEN:
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    _OPEN.add(key)
    try:
        yield con
    except BaseException:
        _OPEN.discard(key)
        con.execute("ROLLBACK")
        raise
    _OPEN.discard(key)
    con.execute("COMMIT")
