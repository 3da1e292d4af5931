"""All seven of Kettleby's simulated systems at once, each on its own server, loaded from one synthetic place.

    place = SyntheticPlace(people=2_000, seed=42)
    with SimulatedPlace(place, Path("work")) as running:
        for code, system in running.systems.items():
            connector = open_connector(system.kind, system.connection, {})   # ready to read
        running.rest.faults("gp").fail_next = 1       # each server's own levers stay reachable

What runs where (every server on a free port of 127.0.0.1, every file under the working folder):

* housing, GP and waste: one :class:`~joinedup.sim.servers.rest_api.SimRestServer`, a path prefix each;
* council tax: the supplier's nightly export (:mod:`.file_export`) into ``drops/council-tax``, with the
  import job watching ``inbound/council-tax`` for changes written back;
* schools: the MIS pupil export (:mod:`.schools_export`) into ``drops/schools``, with its import job
  watching ``inbound/schools`` for changes written back;
* adult social care: the CLIENT table (:mod:`.sql_database`) in ``adult-social-care.sqlite``, or in the
  database at a SQLAlchemy URL given instead (its CLIENT table must not hold rows already);
* children's services: the legacy web application (:mod:`.legacy_web`).

Starting clears what an earlier run left in the working folder's ``drops``, ``inbound`` and SQLite file, so a
restart begins from the same records. It waits until every system answers, within ``start_timeout_seconds``,
and stops what it started if any does not. Connection dicts hold only the simulators' own demo credentials.
"""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from joinedup.sim import SIM_SYSTEMS, SyntheticPlace
from joinedup.sim.servers import file_export, schools_export
from joinedup.sim.servers.file_export import CouncilTaxExport
from joinedup.sim.servers.legacy_web import LegacyWebApp
from joinedup.sim.servers.rest_api import SimRestServer
from joinedup.sim.servers.schools_export import SchoolsExport
from joinedup.sim.servers.sql_database import AdultSocialCareDatabase

REST_SYSTEMS = ("housing", "gp", "waste")
KINDS: dict[str, str] = {
    "council-tax": "file",
    "housing": "api",
    "adult-social-care": "sql",
    "childrens-services": "screen",
    "gp": "api",
    "schools": "file",
    "waste": "api",
}
CASEWORKER = "caseworker"
SQLITE_FILE = "adult-social-care.sqlite"

# How the children's services screens are read: the configuration in docs/connectors/screen.md.
SCREEN_SETTINGS: dict[str, Any] = {
    "timeout_seconds": 15,
    "health_timeout_seconds": 5,
    "timezone": "Europe/London",
    "login": {
        "url": "Login.asp",
        "username_selector": "input[name=txtUserName]",
        "password_selector": "input[name=txtPassword]",
        "submit_selector": "input[type=submit]",
        "logged_in_selector": "a:has-text('Log out')",
        "error_selector": "font[color=red]",
    },
    "list": {
        "url": "CaseList.asp",
        "row_selector": "table.grid tr:has(td)",
        "link_selector": "td:first-child a",
        "next_selector": "a:has-text('Next >')",
        "modified_column": "Last modified",
        "modified_format": "%d/%m/%Y %H:%M:%S",
    },
    "detail": {
        "id_field": "cs_id",
        "fields": {
            "Reference": "cs_id",
            "Role": "person_role",
            "Forename": "forename",
            "Middle name(s)": "middle_names",
            "Surname": "surname",
            "Date of birth": "dob",
            "Gender": "gender",
            "NHS number": "nhs_no",
            "NI number": "ni_no",
            "Address line 1": "addr_line1",
            "Address line 2": "addr_line2",
            "Town": "addr_town",
            "Postcode": "addr_postcode",
            "UPRN": "uprn",
            "Telephone": "contact_tel",
            "Email": "contact_email",
            "Last updated": "updated_on",
        },
    },
    "search": {
        "url": "Search.asp",
        "reference_selector": "input[name=Ref]",
        "submit_selector": "input[value=Find]",
        "result_link_selector": "table.grid td:first-child a",
    },
    "edit": {
        "link_selector": "a:has-text('Edit')",
        "submit_selector": "input[value=Save]",
        "version_selector": "span.stamp",
        "fields": {
            "addr_line1": "input[name=txtAddr1]",
            "addr_line2": "input[name=txtAddr2]",
            "addr_town": "input[name=txtTown]",
            "addr_postcode": "input[name=txtPcode]",
            "contact_tel": "input[name=txtTel]",
            "contact_email": "input[name=txtEmail]",
        },
    },
}


class SimulatedPlaceError(RuntimeError):
    """A simulated system would not start or answer in time (the message names the system, never data)."""


@dataclass(frozen=True)
class RunningSystem:
    """One running simulated system: how to connect to it, and where it is (an address or folder, no secret)."""

    code: str
    name: str
    kind: str  # the connector kind: api, file, sql or screen
    connection: Mapping[str, Any]  # for open_connector(kind, connection, {})
    address: str
    records: int


def native_rows_by_system(place: SyntheticPlace) -> dict[str, list[dict[str, str]]]:
    """Every system's records in its own layout, generated once."""
    rows: dict[str, list[dict[str, str]]] = {system.code: [] for system in SIM_SYSTEMS}
    for batch in place.batches():
        rows[batch.system].extend(batch.native_rows())
    return rows


class SimulatedPlace:
    """Kettleby's seven systems running on local servers and folders; a context manager that stops them all."""

    def __init__(
        self,
        place: SyntheticPlace,
        folder: Path,
        *,
        database_url: str | None = None,
        export_interval_seconds: float = 5.0,
        start_timeout_seconds: float = 30.0,
        rest_keep_alive: bool = False,
    ) -> None:
        self.place = place
        self._rest_keep_alive = rest_keep_alive  # HTTP/1.1 kept-alive connections (see SimRestServer)
        self.folder = folder.resolve()  # connection settings name absolute folders
        self._database_url = database_url
        self._export_interval = export_interval_seconds
        self._start_timeout = start_timeout_seconds
        self._systems: dict[str, RunningSystem] = {}
        self._stops: list[Callable[[], None]] = []
        self.rest: SimRestServer | None = None
        self.council_tax: CouncilTaxExport | None = None
        self.schools: SchoolsExport | None = None
        self.adult_social_care: AdultSocialCareDatabase | None = None
        self.childrens_services: LegacyWebApp | None = None

    # -- what callers use ------------------------------------------------------------------------------------
    @property
    def systems(self) -> dict[str, RunningSystem]:
        """Each running system by its code, in the place's order (empty until started)."""
        return dict(self._systems)

    def connection(self, code: str) -> dict[str, Any]:
        return dict(self._systems[code].connection)

    def kind(self, code: str) -> str:
        return self._systems[code].kind

    def connections(self) -> dict[str, dict[str, Any]]:
        """``{code: {"kind": ..., "connection": {...}}}``, ready to write out as JSON."""
        return {code: {"kind": s.kind, "connection": dict(s.connection)} for code, s in self._systems.items()}

    @property
    def running(self) -> bool:
        return bool(self._stops)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> SimulatedPlace:
        if self._stops:
            return self
        deadline = time.monotonic() + self._start_timeout
        rows = native_rows_by_system(self.place)
        names = {system.code: system.name for system in SIM_SYSTEMS}
        found: dict[str, RunningSystem] = {}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for code, connection, address in (
                *self._start_rest(rows),
                self._start_council_tax(rows["council-tax"]),
                self._start_schools(rows["schools"]),
                self._start_adult_social_care(rows["adult-social-care"]),
                self._start_childrens_services(rows["childrens-services"]),
            ):
                found[code] = RunningSystem(code, names[code], KINDS[code], connection, address, len(rows[code]))
            self._wait_until_ready(found, deadline)
        except BaseException:
            self.stop()
            raise
        self._systems = {system.code: found[system.code] for system in SIM_SYSTEMS}
        return self

    def stop(self) -> None:
        """Stop every server and job started, last started first; safe to call more than once."""
        while self._stops:
            self._stops.pop()()
        self._systems = {}

    def __enter__(self) -> SimulatedPlace:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # -- one system each -------------------------------------------------------------------------------------
    def _start_rest(self, rows: Mapping[str, list[dict[str, str]]]) -> list[tuple[str, dict[str, Any], str]]:
        server = SimRestServer({code: rows[code] for code in REST_SYSTEMS}, keep_alive=self._rest_keep_alive).start()
        self.rest = server
        self._stops.append(server.stop)
        return [(code, server.connection(code), server.base_url(code)) for code in REST_SYSTEMS]

    def _fresh_folder(self, *parts: str) -> Path:
        path = self.folder.joinpath(*parts)
        if path.exists():
            shutil.rmtree(path)  # only the simulator's own sub-folders, never the working folder itself
        path.mkdir(parents=True)
        return path

    def _start_council_tax(self, rows: list[dict[str, str]]) -> tuple[str, dict[str, Any], str]:
        drop, inbound = self._fresh_folder("drops", "council-tax"), self._fresh_folder("inbound", "council-tax")
        export = CouncilTaxExport(rows, drop, inbound, interval_seconds=self._export_interval)
        export.export_changes()  # the first (full) export is on disk before anyone is told where to look
        export.start()
        self.council_tax = export
        self._stops.append(export.stop)
        return "council-tax", file_export.connection(drop, inbound), str(drop)

    def _start_schools(self, rows: list[dict[str, str]]) -> tuple[str, dict[str, Any], str]:
        drop, inbound = self._fresh_folder("drops", "schools"), self._fresh_folder("inbound", "schools")
        export = SchoolsExport(rows, drop, inbound, interval_seconds=self._export_interval)
        export.export_full()
        export.start()  # the MIS's import job, for changes written back
        self.schools = export
        self._stops.append(export.stop)
        return "schools", schools_export.connection(drop, inbound), str(drop)

    def _start_adult_social_care(self, rows: list[dict[str, str]]) -> tuple[str, dict[str, Any], str]:
        url = self._database_url
        if url is None:
            path = self.folder / SQLITE_FILE
            path.unlink(missing_ok=True)
            url = f"sqlite:///{path.resolve()}"
        database = AdultSocialCareDatabase(url)
        self.adult_social_care = database
        self._stops.append(database.dispose)
        database.create()
        if database.count():
            raise SimulatedPlaceError(
                "adult-social-care: the CLIENT table at the database URL given already holds rows; "
                "give an empty database or schema"
            )
        database.load(rows)
        address = make_url(url).render_as_string(hide_password=True)
        return "adult-social-care", database.connection_config(), address

    def _start_childrens_services(self, rows: list[dict[str, str]]) -> tuple[str, dict[str, Any], str]:
        password = secrets.token_urlsafe(12)  # the simulator's own demo login, new each run
        app = LegacyWebApp(rows, username=CASEWORKER, password=password).start()
        self.childrens_services = app
        self._stops.append(app.stop)
        connection = {"base_url": app.url, "username": CASEWORKER, "password": password, **SCREEN_SETTINGS}
        return "childrens-services", connection, app.url

    def _wait_until_ready(self, found: Mapping[str, RunningSystem], deadline: float) -> None:
        """Every server answers on its port before callers are given the connections."""
        probes = {code: f"{found[code].address}/health" for code in REST_SYSTEMS}
        probes["childrens-services"] = f"{found['childrens-services'].address}Login.asp"
        for code, url in probes.items():
            while True:
                try:
                    if httpx.get(url, timeout=max(0.1, deadline - time.monotonic())).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() >= deadline:
                    raise SimulatedPlaceError(f"{code}: the simulated server did not answer within the start-up time")
                time.sleep(0.05)
        if time.monotonic() > deadline:
            raise SimulatedPlaceError(f"the simulated place took longer than {self._start_timeout:g} s to start")
