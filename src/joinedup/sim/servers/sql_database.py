"""A simulated adult social care case-management database: a legacy schema in a real SQL database.

The records come in as plain data, the adult social care system's native rows
(``SyntheticPlace(...).batches()`` -> ``batch.native_rows()`` for ``adult-social-care``), and are stored the way
an old client index would keep them: one upper-case ``CLIENT`` table, dates as DATE, sex as one letter, the
address spread over ADDR1..ADDR3, a LAST_UPDATED stamp and a ROW_VER counter that every edit bumps.

The database itself is real (PostgreSQL, MariaDB or SQLite at the URL given, normally a schema or database made
for this run); this module only creates the table, loads it and edits rows as the system's users would.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import URL

SYSTEM_CODE = "adult-social-care"
CLIENT_TABLE = "CLIENT"
WRITABLE_COLUMNS = ("ADDR1", "ADDR2", "ADDR3", "POST_CODE", "TEL_NO", "EMAIL")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_LOAD_BATCH = 1_000

# Microseconds matter: the connector's cursor compares stamps exactly, and MariaDB's DATETIME keeps none.
_Stamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _client_table(metadata: MetaData) -> Table:
    table = Table(
        CLIENT_TABLE,
        metadata,
        Column("CLIENT_REF", String(20), primary_key=True),
        Column("SURNAME", String(60)),
        Column("FORENAME", String(60)),
        Column("DOB", Date),
        Column("GENDER", String(1)),
        Column("ADDR1", String(100)),
        Column("ADDR2", String(100)),
        Column("ADDR3", String(100)),
        Column("POST_CODE", String(10)),
        Column("UPRN", String(12)),
        Column("NHS_NO", String(10)),
        Column("NI_NO", String(9)),
        Column("TEL_NO", String(20)),
        Column("EMAIL", String(120)),
        Column("DOD", Date),
        Column("LAST_UPDATED", _Stamp, nullable=False),
        Column("ROW_VER", Integer, nullable=False, default=1),
    )
    Index("IX_CLIENT_LAST_UPDATED", table.c.LAST_UPDATED, table.c.CLIENT_REF)
    return table


def _date(text: str) -> date | None:
    """'26-Jan-1936' (the system's export format) as a date; blank as NULL."""
    if not text:
        return None
    day, month, year = text.split("-")
    return date(int(year), _MONTHS.index(month.upper()) + 1, int(day))


def _stamp(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)  # the legacy schema keeps naive UTC


def client_row(native: Mapping[str, str]) -> dict[str, Any]:
    """One native adult social care record as a CLIENT row."""
    address = [part.strip() for part in native.get("Address", "").split(",") if part.strip()]
    address = [*address[:2], ", ".join(address[2:])] if len(address) > 3 else address
    address += [""] * (3 - len(address))
    modified = _date(native.get("Last Modified", "")) or date(2000, 1, 1)
    return {
        "CLIENT_REF": native["Person ID"],
        "SURNAME": native.get("Surname") or None,
        "FORENAME": native.get("Forename") or None,
        "DOB": _date(native.get("Date of Birth", "")),
        "GENDER": native.get("Gender") or None,
        "ADDR1": address[0] or None,
        "ADDR2": address[1] or None,
        "ADDR3": address[2] or None,
        "POST_CODE": native.get("Postcode") or None,
        "UPRN": native.get("UPRN") or None,
        "NHS_NO": native.get("NHS Number", "").replace(" ", "") or None,
        "NI_NO": native.get("NI Number") or None,
        "TEL_NO": native.get("Telephone") or None,
        "EMAIL": native.get("Email") or None,
        "DOD": _date(native.get("Date of Death", "")),
        "LAST_UPDATED": datetime(modified.year, modified.month, modified.day),  # noqa: DTZ001 - naive by design
        "ROW_VER": 1,
    }


class AdultSocialCareDatabase:
    """The CLIENT table in the database at ``url``, and the levers its users (and tests) pull."""

    def __init__(self, url: str | URL) -> None:
        self.url = url
        self.engine: Engine = create_engine(url, hide_parameters=True)
        self.table = _client_table(MetaData())
        self._added = 0

    def create(self) -> None:
        self.table.metadata.create_all(self.engine)

    def load(self, rows: Iterable[Mapping[str, str]]) -> int:
        """Insert native rows in batches; returns how many."""
        count = 0
        batch: list[dict[str, Any]] = []
        with self.engine.begin() as connection:
            for native in rows:
                batch.append(client_row(native))
                if len(batch) == _LOAD_BATCH:
                    connection.execute(insert(self.table), batch)
                    count, batch = count + len(batch), []
            if batch:
                connection.execute(insert(self.table), batch)
                count += len(batch)
        return count

    def change_client(self, client_ref: str, at: datetime | None = None, **columns: Any) -> None:
        """Edit one client as a caseworker would: the given columns (a new phone number if none), a new stamp
        and the next ROW_VER."""
        table = self.table
        with self.engine.begin() as connection:
            version = connection.execute(
                select(table.c.ROW_VER).where(table.c.CLIENT_REF == client_ref).with_for_update()
            ).scalar_one()
            values = columns or {"TEL_NO": f"01632 {960000 + version:06d}"}
            values |= {"LAST_UPDATED": _stamp(at or datetime.now(UTC)), "ROW_VER": version + 1}
            connection.execute(update(table).where(table.c.CLIENT_REF == client_ref).values(values))

    def add_client(self, at: datetime | None = None, **columns: Any) -> str:
        """Register a new client (a referral); returns the new CLIENT_REF."""
        row = self._new_row(at, columns)
        with self.engine.begin() as connection:
            connection.execute(insert(self.table).values(row))
        return str(row["CLIENT_REF"])

    @contextmanager
    def slow_registration(self, at: datetime, **columns: Any) -> Iterator[str]:
        """Insert a client stamped ``at`` inside a transaction that commits only when the block ends: the
        late-committing writer that incremental readers must not lose."""
        row = self._new_row(at, columns)
        with self.engine.begin() as connection:
            connection.execute(insert(self.table).values(row))
            yield str(row["CLIENT_REF"])

    def _new_row(self, at: datetime | None, columns: Mapping[str, Any]) -> dict[str, Any]:
        self._added += 1
        row: dict[str, Any] = {
            "CLIENT_REF": f"N{self._added:06d}",
            "SURNAME": "NEWCLIENT",
            "FORENAME": "Referral",
            "GENDER": "F",
            "LAST_UPDATED": _stamp(at or datetime.now(UTC)),
            "ROW_VER": 1,
        }
        return row | dict(columns)

    def read_client(self, client_ref: str) -> dict[str, Any]:
        """The database's own current copy of one client."""
        with self.engine.connect() as connection:
            row = connection.execute(select(self.table).where(self.table.c.CLIENT_REF == client_ref)).one()
        return dict(row._mapping)

    def client_refs(self) -> set[str]:
        with self.engine.connect() as connection:
            return set(connection.execute(select(self.table.c.CLIENT_REF)).scalars())

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(self.table)).scalar_one())

    def connection_config(self, **overrides: Any) -> dict[str, Any]:
        """A place file ``connection`` for the SQL connector reading (and writing back to) this database."""
        url = self.url if isinstance(self.url, str) else self.url.render_as_string(hide_password=False)
        config: dict[str, Any] = {
            "url": url,
            "table": CLIENT_TABLE,
            "id_column": "CLIENT_REF",
            "tracking": "updated_at",
            "tracking_column": "LAST_UPDATED",
            "version_column": "ROW_VER",
            "increment_columns": ["ROW_VER"],
            "writable_columns": list(WRITABLE_COLUMNS),
        }
        return config | overrides

    def dispose(self) -> None:
        self.engine.dispose()
