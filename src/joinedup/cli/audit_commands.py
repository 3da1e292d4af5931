"""`joinedup audit ...`: verify the log, sign checkpoints, answer residents, purge, extract for analysis."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from joinedup import audit, governance
from joinedup.place import demo_place_path, load_place
from joinedup.settings import Settings
from joinedup.store import Database, StorageError, audit_checkpoints, audit_log, audit_records
from joinedup.store.audit_log import StoredEntry
from joinedup.store.residents import ResidentStore
from joinedup.store.source_records import SourceRecordStore
from joinedup.tellusonce import ChangeError

from ._common import DatabaseUrlOption, ExitCode, console, fail, open_database, settings_for
from ._rectify import rectify_and_tell

_SHOWN_PROBLEMS = 200  # a log rewritten wholesale would otherwise print a line per entry

audit_app = typer.Typer(help="The audit log: verify it, checkpoint it, and answer residents from it.")

ByOption = Annotated[str, typer.Option("--by", help="Person id of whoever runs the command (recorded).")]
RoleOption = Annotated[str, typer.Option("--role", help="Their role (recorded).")]
OrgOption = Annotated[str, typer.Option("--organisation", help="Their organisation's code (recorded).")]


def _public_key(settings: Settings, path: Path | None) -> Ed25519PublicKey:
    chosen = path or settings.audit_public_key or audit.public_key_path_for(settings.audit_signing_key)
    try:
        return audit.load_public_key(chosen)
    except audit.AuditKeyError as error:
        fail(str(error), ExitCode.INVALID_INPUT)


def _with_progress(rows: Iterator[StoredEntry], total: int) -> Iterator[StoredEntry]:
    columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("entries", total=total)
        for count, row in enumerate(rows, start=1):
            yield row
            if count % 10_000 == 0:
                progress.update(task, completed=count)


@audit_app.command()
def verify(
    database_url: DatabaseUrlOption = None,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="PEM public key (default: JOINEDUP_AUDIT_PUBLIC_KEY).")
    ] = None,
) -> None:
    """Check the chain and every signed checkpoint offline; say exactly where the log breaks (exit 1)."""
    settings = settings_for(database_url)
    key = _public_key(settings, public_key)
    try:
        database = Database(settings.database_url)  # read only: no migration, nothing written
        with database.engine.connect() as connection:
            head = audit_log.head(connection)
            checkpoints = audit_checkpoints.all_checkpoints(connection)
            rows = _with_progress(audit_log.iter_entries(connection), head.last_sequence)
            report = audit.verify_entries(rows, head, checkpoints, key)
    except (StorageError, SQLAlchemyError) as error:
        fail(f"could not read the audit log: {type(error).__name__}", ExitCode.UNAVAILABLE)
    if report.intact:
        console.print(f"The audit log is intact: {report.entries} entries, {report.checkpoints} signed checkpoints.")
        return
    for problem in report.problems[:_SHOWN_PROBLEMS]:
        console.print(f"entry {problem.sequence}: {problem.what}")
    if len(report.problems) > _SHOWN_PROBLEMS:
        console.print(f"... and {len(report.problems) - _SHOWN_PROBLEMS} more")
    fail(
        f"the audit log has been tampered with: {len(report.problems)} problem(s), first at entry "
        f"{report.problems[0].sequence}",
        ExitCode.INVALID_INPUT,
    )


@audit_app.command()
def checkpoint(
    database_url: DatabaseUrlOption = None,
    if_due: Annotated[
        bool, typer.Option("--if-due", help="Only when JOINEDUP_AUDIT_CHECKPOINT_EVERY entries have been added.")
    ] = False,
) -> None:
    """Sign a Merkle root over every entry so far (run it from a scheduler with --if-due)."""
    settings = settings_for(database_url)
    try:
        key = audit.signing_key(settings.audit_signing_key, allow_development_key=settings.environment != "production")
    except audit.AuditKeyError as error:
        fail(str(error), ExitCode.INVALID_INPUT)
    database = open_database(settings)
    with database.transaction() as connection:
        if if_due:
            made = audit.checkpoint_if_due_in(connection, key, settings.audit_checkpoint_every)
        else:
            made = audit.checkpoint_in(connection, key)
    if made is None:
        console.print("No checkpoint is due yet.")
    else:
        console.print(
            f"Checkpoint {made.id}: entries 1 to {made.tree_size}, root {made.root} (entry {made.entry.sequence})."
        )


@audit_app.command("who-looked")
def who_looked(
    resident: Annotated[str, typer.Argument(help="The resident's id.")],
    database_url: DatabaseUrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Every disclosure of a resident's data: when, who (organisation and role), why, under which agreement."""
    database = open_database(settings_for(database_url))
    with database.transaction() as connection:
        names = audit_records.organisation_names(connection)
        seen = audit.who_has_seen_in(
            connection, resident, today=datetime.now(UTC).date(), organisation_names=names,
            system_names=audit_records.system_names(connection),
        )  # fmt: skip
    if as_json:
        console.print_json(json.dumps([_seen_document(item) for item in seen]))
        return
    table = Table(title=f"Who has seen the data of {resident}")
    for column in ("when (UTC)", "organisation", "role", "why", "agreement", "what"):
        table.add_column(column)
    for item in seen:
        why = item.purpose + (" (emergency look)" if item.emergency else "")
        table.add_row(
            f"{item.when:%Y-%m-%d %H:%M}",
            f"{item.system} system of {item.organisation}" if item.system else item.organisation,
            item.role,
            why,
            item.agreement or "none",
            ", ".join(item.fields),
        )
    console.print(table if seen else "No one has been shown this resident's data.")


def _seen_document(item: audit.DisclosureSeen) -> dict[str, object]:
    return {
        "when": item.when.isoformat(),
        "organisation": item.organisation,
        "role": item.role,
        "purpose": item.purpose,
        "agreement": item.agreement,
        "channel": item.channel,
        "fields": list(item.fields),
        "emergency": item.emergency,
        "system": item.system,
    }


@audit_app.command()
def sar(
    resident: Annotated[str, typer.Argument(help="The resident's id.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the JSON and HTML answer.")],
    database_url: DatabaseUrlOption = None,
    record: Annotated[
        list[str] | None, typer.Option("--record", help="SYSTEM/RECORD_ID to include (default: linkage's records).")
    ] = None,
    by: ByOption = "cli",
    role: RoleOption = "data-protection-officer",
    organisation: OrgOption = "hub",
) -> None:
    """Answer a subject access request: everything held about the resident, as JSON and as HTML."""
    database = open_database(settings_for(database_url))
    refs = [_record_ref(value) for value in record] if record else ResidentStore(database).records_of(resident)
    actor = audit.Actor(person_id=by, role=role, organisation=organisation)
    report = audit.answer_subject_access(database, resident, refs, actor=actor)
    json_path, html_path = audit.write_subject_access(report, out)
    console.print(
        f"{len(report.records)} records from {len(report.systems)} systems, "
        f"{len(report.disclosures)} disclosures: {json_path} and {html_path}"
    )


@audit_app.command()
def rectify(
    resident: Annotated[str, typer.Argument(help="The resident's id.")],
    field: Annotated[list[str], typer.Option("--field", help="Canonical field corrected, e.g. phone (repeatable).")],
    value: Annotated[list[str], typer.Option("--value", help="Its corrected value, one per --field.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it was corrected (recorded).")],
    database_url: DatabaseUrlOption = None,
    by: ByOption = "cli",
    role: RoleOption = "data-protection-officer",
    organisation: OrgOption = "hub",
) -> None:
    """Record a correction and tell it once: every subscribed system holding the resident gets the new value."""
    if len(field) != len(value):
        fail(f"give one --value per --field ({len(field)} fields, {len(value)} values)", ExitCode.USAGE)
    settings = settings_for(database_url)
    database = open_database(settings)
    if ResidentStore(database).current_id(resident) is None:
        fail("no resident has this id", ExitCode.INVALID_INPUT)
    place = load_place(settings.place_file or demo_place_path())
    actor = audit.Actor(person_id=by, role=role, organisation=organisation)
    try:
        told = rectify_and_tell(
            database, place, actor=actor, resident_id=resident, fields=dict(zip(field, value, strict=True)),
            reason=reason,
        )  # fmt: skip
    except ChangeError as error:
        fail(f"cannot correct this through tell us once: {error}", ExitCode.INVALID_INPUT)
    console.print(f"Correction recorded (audit entry {told.entry.sequence}); change {told.change_id} raised.")
    console.print(f"Disclosed earlier to: {', '.join(told.recipients) or 'no organisation'}")
    for delivery in told.deliveries:
        outcome = f"refused: {delivery.refused}" if delivery.refused else "queued for the worker"
        console.print(f"  {delivery.system} {delivery.record_id}: {outcome}")


RecordOption = Annotated[
    list[str] | None,
    typer.Option("--record", help="SYSTEM/RECORD_ID (repeatable; default: every record linkage holds for them)."),
]
ReasonOption = Annotated[str, typer.Option("--reason", help="The resident's request, in your words (recorded).")]


@audit_app.command()
def erase(
    resident: Annotated[str, typer.Argument(help="The resident's id.")],
    reason: ReasonOption,
    lawful_basis: Annotated[
        str, typer.Option("--lawful-basis", help="What the records are processed under, e.g. 'Art 6(1)(a)'.")
    ],
    database_url: DatabaseUrlOption = None,
    record: RecordOption = None,
    by: ByOption = "cli",
    role: RoleOption = "data-protection-officer",
    organisation: OrgOption = "hub",
) -> None:
    """Erase a resident's records (UK GDPR Art 17) where their lawful basis allows it; recorded in the log."""
    database = open_database(settings_for(database_url))
    refs = _records_for(database, resident, record)
    actor = audit.Actor(person_id=by, role=role, organisation=organisation)
    try:
        with database.transaction() as connection:
            entry = audit.SubjectRights().erase_in(
                connection, actor=actor, resident_id=resident, records=refs, lawful_basis=lawful_basis, reason=reason
            )
    except audit.ErasureRefused as error:
        fail(f"erasure refused: {error}", ExitCode.INVALID_INPUT)
    shown = ", ".join(f"{r.system}/{r.record_id}" for r in refs)
    console.print(f"Erased {len(refs)} records ({shown}); audit entry {entry.sequence}.")


@audit_app.command()
def restrict(
    resident: Annotated[str, typer.Argument(help="The resident's id.")],
    reason: Annotated[
        str, typer.Option("--reason", help="The ground, e.g. 'Art 18(1)(a): accuracy contested' (recorded).")
    ],
    database_url: DatabaseUrlOption = None,
    record: RecordOption = None,
    lift: Annotated[bool, typer.Option("--lift", help="Lift the restriction instead.")] = False,
    by: ByOption = "cli",
    role: RoleOption = "data-protection-officer",
    organisation: OrgOption = "hub",
) -> None:
    """Restrict processing of a resident's records (UK GDPR Art 18), or lift it with --lift; recorded."""
    if not reason.strip():
        fail("give the ground for the restriction with --reason", ExitCode.USAGE)
    database = open_database(settings_for(database_url))
    refs = _records_for(database, resident, record)
    actor = audit.Actor(person_id=by, role=role, organisation=organisation)
    rights = audit.SubjectRights()
    with database.transaction() as connection:
        act = rights.lift_restriction_in if lift else rights.restrict_in
        entry = act(connection, actor=actor, resident_id=resident, records=refs, ground=reason, reason=reason)
    done = "Lifted the restriction on" if lift else "Restricted"
    console.print(f"{done} {len(refs)} records; audit entry {entry.sequence}.")


def _records_for(database: Database, resident: str, given: list[str] | None) -> list[audit.RecordRef]:
    """The records named with --record, else every record linkage holds for the resident (an error if none)."""
    if given:
        pairs = [_record_ref(value) for value in given]
    else:
        if ResidentStore(database).current_id(resident) is None:
            fail(
                f"no resident has the id {resident!r}; name the records with --record SYSTEM/RECORD_ID",
                ExitCode.INVALID_INPUT,
            )
        pairs = ResidentStore(database).records_of(resident)
        if not pairs:
            fail(f"resident {resident!r} holds no records now", ExitCode.INVALID_INPUT)
    return [audit.RecordRef(system=system, record_id=record_id) for system, record_id in pairs]


def _record_ref(value: str) -> tuple[str, str]:
    system, _, record_id = value.partition("/")
    if not system or not record_id:
        fail(f"--record {value!r} should be SYSTEM/RECORD_ID", ExitCode.USAGE)
    return system, record_id


@audit_app.command()
def purge(
    database_url: DatabaseUrlOption = None,
    keep: Annotated[
        list[str] | None, typer.Option("--keep", help="TYPE=DAYS, added to JOINEDUP_AUDIT_RETENTION_DAYS.")
    ] = None,
) -> None:
    """Delete records older than their type's retention, recording counts and ids (never the data)."""
    settings = settings_for(database_url)
    schedule = dict(settings.audit_retention_days) | dict(_retention(value) for value in keep or [])
    if not schedule:
        fail("no retention schedule: set JOINEDUP_AUDIT_RETENTION_DAYS or give --keep TYPE=DAYS", ExitCode.USAGE)
    database = open_database(settings)
    with database.transaction() as connection:
        results = audit.purge_in(connection, schedule)
    for result in results:
        console.print(f"{result.record_type}: purged {result.records} records ({result.versions} versions)")


def _retention(value: str) -> tuple[str, int]:
    record_type, _, days = value.partition("=")
    if not record_type or not days.isdigit():
        fail(f"--keep {value!r} should be TYPE=DAYS, e.g. council-tax=2190", ExitCode.USAGE)
    return record_type, int(days)


@audit_app.command()
def extract(
    out: Annotated[Path, typer.Option("--out", help="Folder for people.csv and counts.csv.")],
    purpose: Annotated[str, typer.Option("--purpose", help="The purpose code, from an agreement (recorded).")],
    by: Annotated[str, typer.Option("--by", help="Person id of the analyst (recorded).")],
    role: Annotated[str, typer.Option("--role", help="Their role, e.g. analyst.")],
    organisation: Annotated[str, typer.Option("--organisation", help="Their organisation's code.")],
    database_url: DatabaseUrlOption = None,
    column: Annotated[
        list[str] | None, typer.Option("--column", help="Extract column to ask for (default: all; repeatable).")
    ] = None,
    count: Annotated[list[str] | None, typer.Option("--count-by", help="Fields to count people by.")] = None,
    threshold: Annotated[int | None, typer.Option("--threshold", min=1, help="Suppress counts below this.")] = None,
) -> None:
    """A pseudonymised extract for analysis, decided by the disclosure gate: only the columns an agreement
    permits the analyst's role for the purpose are written; audited once, with no personal data."""
    settings = settings_for(database_url)
    limit = threshold or settings.audit_small_number_threshold
    asked = tuple(column or audit.EXTRACT_FIELDS)
    by_fields = count or ["system", "age_band"]
    unknown = sorted(set(asked) - set(audit.EXTRACT_FIELDS))
    if unknown:
        fail(f"no extract column {', '.join(unknown)}: choose from {', '.join(audit.EXTRACT_FIELDS)}", ExitCode.USAGE)
    place = load_place(settings.place_file or demo_place_path())
    database = open_database(settings)
    gate = governance.DisclosureGate(governance.DecisionPoint(place))
    actor = governance.Actor(by, role, organisation)
    counts: list[audit.CountRow] = []

    def produce(permitted: tuple[str, ...]) -> governance.Produced:
        withheld = sorted(set(by_fields) - set(permitted))
        if withheld:
            raise _CountByWithheld(withheld)
        rows = _extract_rows(database, settings)
        counts.extend(audit.count_by(rows, by_fields, limit))
        _write_extract(out, rows, permitted, by_fields, counts)
        return governance.Produced(len(rows), sum(1 for c in counts if c.count is None), limit)

    try:
        with database.transaction() as connection:
            answer = governance.extract_in(connection, gate, actor, purpose, asked, produce, limit)
    except _CountByWithheld as withheld:
        fail(f"cannot count by {', '.join(withheld.fields)}: not a permitted column of this extract", ExitCode.USAGE)
    except ValueError as error:
        fail(str(error), ExitCode.USAGE)
    reasons = "\n".join(f"  - {reason.text}" for reason in answer.decision.reasons)
    produced = answer.produced
    if produced is None:
        fail(
            f"extract refused ({answer.decision.outcome.value}, audit entry {answer.entry.sequence}):\n{reasons}",
            ExitCode.INVALID_INPUT,
        )
    left_out = [c for c in asked if c not in answer.columns]
    console.print(
        f"{produced.rows} pseudonymised rows ({', '.join(answer.columns)}) and {len(counts)} counts "
        f"(threshold {limit}) in {out}; audit entry {answer.entry.sequence}"
    )
    if left_out:
        console.print(f"Not permitted, left out: {', '.join(left_out)}\n{reasons}")


class _CountByWithheld(Exception):
    def __init__(self, fields: list[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


def _extract_rows(database: Database, settings: Settings) -> list[audit.ExtractRow]:
    with database.transaction() as connection:
        linked = audit_records.resident_ids(connection)
    return audit.extract_rows(
        SourceRecordStore(database).iter_current(),
        audit.Pseudonymiser(_pseudonym_key(settings)),
        today=datetime.now(UTC).date(),
        resident_of=lambda system, record_id: linked.get((system, record_id)),
    )


def _pseudonym_key(settings: Settings) -> bytes:
    if settings.audit_pseudonym_key is not None:
        return settings.audit_pseudonym_key.get_secret_value().encode()
    return audit.derive_pseudonym_key(settings.secret_key.get_secret_value())


def _write_extract(
    out: Path, rows: list[audit.ExtractRow], columns: tuple[str, ...], by: list[str], counts: list[audit.CountRow]
) -> None:
    """people.csv holds only the permitted columns; counts.csv counts people by permitted columns only."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "people.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([[getattr(r, c) or "" for c in columns] for r in rows])
    with (out / "counts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*by, "people"])
        writer.writerows([[*(value or "" for value in c.group), "" if c.count is None else c.count] for c in counts])
