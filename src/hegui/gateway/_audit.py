"""The append-only, hash-chained audit log.

Each record's hash covers its sequence number, its content and the previous record's hash, so
an edited, deleted or reordered record breaks the chain where it happened. Appends go through one
writer thread that commits in groups: a request waits until its record is committed (nothing is
acknowledged that a crash could lose) while many requests share one transaction. Several
gateway processes may share a database: each transaction takes the chain's lock (an advisory
lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) before it reads the chain head.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, text
from sqlalchemy.exc import DBAPIError

from hegui.gateway._store import audit_meta, audit_records

GENESIS = "0" * 64
_CHAIN_LOCK_ID = 0x6865677569  # "hegui"
_BATCH = 256
# Built once: constructing a statement costs more than SQLite's work for a small batch.
_HEAD = (
    select(audit_records.c.seq, audit_records.c.hash).order_by(audit_records.c.seq.desc()).limit(1)
)
_INSERT = audit_records.insert()


def utc_now() -> str:
    """The current time as the ISO-8601 UTC string records carry."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def record_hash(seq: int, prev_hash: str, body: str) -> str:
    """The chain hash of one record."""
    return hashlib.sha256(f"{seq}\n{prev_hash}\n{body}".encode()).hexdigest()


def canonical(payload: dict[str, Any]) -> str:
    """The one serialisation of a record body that is hashed and stored."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class AuditEntry:
    """A record to append: ``body`` is free-form JSON; the other fields are indexed."""

    kind: str
    request_id: str
    app: str
    decision: str
    body: dict[str, Any]


@dataclass(frozen=True)
class ChainProblem:
    """One place where the chain does not hold."""

    seq: int
    problem: str


class AuditLog:
    """Append records; verify, export and purge the chain."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: queue.Queue[tuple[AuditEntry, Future[int]] | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- appending ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the writer thread (idempotent)."""
        with self._lock:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(
                    target=self._write_forever, name="hegui-audit-writer", daemon=True
                )
                self._writer.start()

    def close(self) -> None:
        """Write everything queued, then stop the writer thread."""
        with self._lock:
            writer = self._writer
            self._writer = None
        if writer is not None:
            self._queue.put(None)
            writer.join()

    def submit(self, entry: AuditEntry) -> Future[int]:
        """Queue ``entry``; the future resolves to its sequence number once committed."""
        self.start()
        done: Future[int] = Future()
        self._queue.put((entry, done))
        return done

    async def append(self, entry: AuditEntry) -> int:
        """Append ``entry`` and wait until it is committed; returns its sequence number."""
        return await asyncio.wrap_future(self.submit(entry))

    def append_now(self, entry: AuditEntry) -> int:
        """Append from synchronous code (CLI, tests) and wait for the commit."""
        return self.submit(entry).result()

    def _write_forever(self) -> None:
        # One connection for the writer's lifetime: checking one out of the pool for every
        # batch (a ping, and a rollback on return) took as long as the batch's own statements.
        conn: Connection | None = None
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                batch = [item]
                stop = False
                while len(batch) < _BATCH:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        stop = True
                        break
                    batch.append(more)
                conn = self._commit(conn, batch)
                if stop:
                    return
        finally:
            if conn is not None:
                conn.close()

    def _commit(
        self, conn: Connection | None, batch: list[tuple[AuditEntry, Future[int]]]
    ) -> Connection | None:
        """Append ``batch`` in one transaction and resolve its futures; returns the connection
        to use for the next batch (None after a failure)."""
        for retry in (False, True):
            try:
                conn = conn or self.engine.connect()
                with conn.begin():
                    rows = self._rows(conn, batch)
                    conn.execute(_INSERT, rows)
                break
            except Exception as err:
                if conn is not None:
                    conn.close()
                conn = None
                if not retry and isinstance(err, DBAPIError) and err.connection_invalidated:
                    continue  # the database dropped the kept connection: once more, on a new one
                for _, done in batch:
                    done.set_exception(err)
                return None
        for (_, done), row in zip(batch, rows, strict=True):
            done.set_result(int(str(row["seq"])))
        return conn

    def _rows(
        self, conn: Connection, batch: list[tuple[AuditEntry, Future[int]]]
    ) -> list[dict[str, Any]]:
        """The batch as chained rows, after the chain's head (read under the chain's lock)."""
        seq, prev = self._lock_head(conn)
        rows = []
        for entry, _ in batch:
            seq += 1
            ts = utc_now()
            body = canonical(
                {
                    **entry.body,
                    "ts": ts,
                    "kind": entry.kind,
                    "request_id": entry.request_id,
                    "app": entry.app,
                    "decision": entry.decision,
                }
            )
            digest = record_hash(seq, prev, body)
            rows.append(
                {
                    "seq": seq,
                    "ts": ts,
                    "kind": entry.kind,
                    "request_id": entry.request_id,
                    "app": entry.app,
                    "decision": entry.decision,
                    "body": body,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        return rows

    def _lock_head(self, conn: Connection) -> tuple[int, str]:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_ID})
        row = conn.execute(_HEAD).first()
        if row is not None:
            return int(row.seq), str(row.hash)
        start = _chain_start(conn)
        return start

    # -- reading ------------------------------------------------------------------------------

    def count(self) -> int:
        """How many records the log holds."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(audit_records)).scalar_one())

    def verify(self) -> tuple[int, list[ChainProblem]]:
        """Walk the chain; returns (records checked, problems found)."""
        problems: list[ChainProblem] = []
        checked = 0
        with self.engine.connect() as conn:
            expected_seq, prev = _chain_start(conn)
            rows = conn.execute(select(audit_records).order_by(audit_records.c.seq)).yield_per(2000)
            for row in rows:
                checked += 1
                expected_seq += 1
                if row.seq != expected_seq:
                    problems.append(
                        ChainProblem(
                            row.seq,
                            f"records {expected_seq}–{row.seq - 1} are missing / 记录缺失",
                        )
                    )
                    expected_seq = row.seq
                if row.prev_hash != prev:
                    problems.append(
                        ChainProblem(
                            row.seq,
                            "does not follow the previous record (deleted or reordered) / "
                            "与前一条记录不衔接（被删除或调序）",
                        )
                    )
                if record_hash(row.seq, row.prev_hash, row.body) != row.hash:
                    problems.append(ChainProblem(row.seq, "content was edited / 内容被篡改"))
                elif not _columns_match_body(row._mapping):
                    problems.append(
                        ChainProblem(row.seq, "indexed columns were edited / 索引字段被篡改")
                    )
                prev = row.hash
        return checked, problems

    def records(
        self,
        since: str | None = None,
        until: str | None = None,
        app: str | None = None,
        decision: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Record bodies in order, filtered by time (ISO strings), app and decision."""
        query = select(audit_records).order_by(audit_records.c.seq)
        if since:
            query = query.where(audit_records.c.ts >= since)
        if until:
            query = query.where(audit_records.c.ts < until)
        if app:
            query = query.where(audit_records.c.app == app)
        if decision:
            query = query.where(audit_records.c.decision == decision)
        with self.engine.connect() as conn:
            for row in conn.execute(query).yield_per(2000):
                yield {"seq": row.seq, "hash": row.hash, **json.loads(row.body)}

    # -- retention ----------------------------------------------------------------------------

    def purge_older_than(self, days: int) -> int:
        """Delete records older than ``days`` from the start of the chain, keeping it verifiable.

        The last purged record's sequence number and hash become the chain's new start, so
        ``verify`` still proves nothing after it was changed.
        """
        cutoff = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="microseconds")
        with self.engine.begin() as conn:
            self._lock_head(conn)
            last = conn.execute(
                select(audit_records.c.seq, audit_records.c.hash)
                .where(audit_records.c.ts < cutoff)
                .order_by(audit_records.c.seq.desc())
                .limit(1)
            ).first()
            if last is None:
                return 0
            removed = conn.execute(
                delete(audit_records).where(audit_records.c.seq <= last.seq)
            ).rowcount
            value = json.dumps({"seq": int(last.seq), "hash": str(last.hash)})
            conn.execute(delete(audit_meta).where(audit_meta.c.key == "chain_start"))
            conn.execute(audit_meta.insert().values(key="chain_start", value=value))
        return int(removed)


def _chain_start(conn: Connection) -> tuple[int, str]:
    row = conn.execute(select(audit_meta.c.value).where(audit_meta.c.key == "chain_start")).first()
    if row is None:
        return 0, GENESIS
    start = json.loads(row.value)
    return int(start["seq"]), str(start["hash"])


def _columns_match_body(row: Any) -> bool:
    body = json.loads(row["body"])
    return bool(
        body.get("ts") == row["ts"]
        and body.get("kind") == row["kind"]
        and body.get("request_id") == row["request_id"]
        and body.get("app") == row["app"]
        and body.get("decision") == row["decision"]
    )
