"""The single view: one golden record per resident, every value with its provenance, and the conflicts.

    rules = SurvivorshipRules.from_place(place)          # the place file's `survivorship:` section
    view = build_single_view("R123", records, rules)     # records: the resident's SourceRecords, any order
    view.golden.address.value, view.golden.address.provenance
    view.conflicts                                       # fields the systems disagree on, with each value
    view.to_fhir()                                       # a validated FHIR R4 Patient (JSON-ready dict)
    view_as_dict(view)                                   # the view as JSON-ready data, provenance included
    out_of_sync_report(records_per_resident)             # per pair of systems: residents out of sync, by field
    render_single_view("R123", records, rules)           # rich tables for a terminal

Pure functions over records: which records belong to one resident is linkage's business, not this package's.
"""

from joinedup.place._survivorship import SURVIVORSHIP_FIELDS, Strategy

from ._conflicts import CompetingValue, Conflict, find_conflicts
from ._fhir import NHS_NUMBER_SYSTEM, FhirExportError, local_identifier_system, patient_resource
from ._fields import FIELD_NAMES
from ._golden import GoldenRecord, OtherName, build_golden_record, current_person_records
from ._json import view_as_dict
from ._out_of_sync import OutOfSyncReport, PairSync, out_of_sync_report
from ._render import render_single_view, render_view
from ._rules import FieldRuling, Ranking, SurvivorshipRules
from ._showcase import showcase_residents
from ._survive import Candidate, SurvivedValue, survive
from ._view import SingleView, build_single_view

__all__ = [
    "FIELD_NAMES",
    "NHS_NUMBER_SYSTEM",
    "SURVIVORSHIP_FIELDS",
    "Candidate",
    "CompetingValue",
    "Conflict",
    "FhirExportError",
    "FieldRuling",
    "GoldenRecord",
    "OtherName",
    "OutOfSyncReport",
    "PairSync",
    "Ranking",
    "SingleView",
    "Strategy",
    "SurvivedValue",
    "SurvivorshipRules",
    "build_golden_record",
    "build_single_view",
    "current_person_records",
    "find_conflicts",
    "local_identifier_system",
    "out_of_sync_report",
    "patient_resource",
    "render_single_view",
    "render_view",
    "showcase_residents",
    "survive",
    "view_as_dict",
]
