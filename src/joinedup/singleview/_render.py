"""A single view as rich tables for a terminal: records per system, golden record with provenance, conflicts.

This is the staff view of one resident and so shows personal data; it is for a console the reader is
entitled to, never for logs.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from joinedup.model import Provenance, SourceRecord

from ._fields import FIELDS, FIELDS_BY_NAME, show_value
from ._rules import SurvivorshipRules
from ._view import SingleView, build_single_view

_RECORD_FIELDS = ("name", "date_of_birth", "sex", "nhs_number", "address", "date_of_death")


def _when(provenance: Provenance) -> str:
    return provenance.observed_at.strftime("%Y-%m-%d %H:%M")


def _source(provenance: Provenance) -> str:
    return f"{provenance.system} {provenance.record_id} v{provenance.version}"


def records_table(view: SingleView) -> Table:
    table = Table(title="Records held, by system", title_justify="left", expand=False)
    table.add_column("system", style="bold")
    table.add_column("record")
    table.add_column("changed")
    for name in _RECORD_FIELDS:
        table.add_column(FIELDS_BY_NAME[name].label)
    for record in view.records:
        person = record.person
        if person is None:
            continue
        provenance = record.provenance()
        values = [FIELDS_BY_NAME[name].value_of(person) for name in _RECORD_FIELDS]
        cells = ["" if value is None else show_value(value) for value in values]
        table.add_row(record.system, f"{record.record_id} v{record.version}", _when(provenance), *cells)
    return table


def golden_table(view: SingleView) -> Table:
    table = Table(title="Golden record", title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_column("from (system, record, version)")
    table.add_column("as of")
    table.add_column("rule")
    table.add_column("agreed by", justify="right")
    conflicted = {conflict.field for conflict in view.conflicts}
    for spec in FIELDS:
        chosen = getattr(view.golden, spec.name)
        label = Text(spec.label + (" !" if spec.name in conflicted else ""))
        if chosen is None:
            table.add_row(label, Text("(no system holds it)", style="dim"), "", "", "", "")
            continue
        systems = len({p.system for p in chosen.supported_by})
        table.add_row(
            label, spec.show(chosen.value), _source(chosen.provenance), _when(chosen.provenance),
            chosen.strategy.value, f"{systems} system{'s' if systems != 1 else ''}",
        )  # fmt: skip
    for other in view.golden.other_names:
        table.add_row("Other name", show_value(other.name), _source(other.provenance), _when(other.provenance), "", "")
    return table


def conflicts_table(view: SingleView) -> RenderableType:
    if not view.conflicts:
        return Text("No conflicts: every system that holds a field agrees on it.", style="green")
    table = Table(title="Conflicts between systems", title_justify="left", show_lines=True)
    table.add_column("field", style="bold red")
    table.add_column("value")
    table.add_column("held by")
    for conflict in view.conflicts:
        spec = FIELDS_BY_NAME[conflict.field]
        for i, competing in enumerate(conflict.values):
            held_by = ", ".join(_source(p) for p in competing.held_by)
            table.add_row(spec.label if i == 0 else "", spec.show(competing.value), held_by)
    return table


def render_view(view: SingleView) -> RenderableType:
    """The three tables of a built view, headed by the resident's id and systems."""
    heading = Text.assemble(
        ("Resident ", "bold"), (view.resident_id, "bold cyan"),
        f": {len(view.records)} records in {len(view.systems)} systems ({', '.join(view.systems)})",
    )  # fmt: skip
    return Group(heading, records_table(view), golden_table(view), conflicts_table(view))


def render_single_view(resident_id: str, records: Iterable[SourceRecord], rules: SurvivorshipRules) -> RenderableType:
    """Build and render a resident's single view from their records: for the demo and `joinedup view`."""
    return render_view(build_single_view(resident_id, records, rules))
