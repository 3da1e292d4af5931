"""joinedup.sim: Kettleby, a synthetic place with residents, ground truth and seven source systems.

    from joinedup.sim import SyntheticPlace, SIM_SYSTEMS, CANONICAL_COLUMNS, export_place
    place = SyntheticPlace(people=10_000, seed=42)
    for batch in place.batches():          # one system's records for one chunk of households
        batch.canonical_rows()             # dicts keyed by CANONICAL_COLUMNS
        batch.native_rows()                # the system's own layout
        batch.truth                        # (record_id, person_id) pairs, kept apart from the data
    export_place("out/", people=10_000, seed=42)   # <system>.csv for each system + truth.csv

The same (people, seed) always gives byte-identical output.
"""

from joinedup.sim._export import ExportSummary, export_place
from joinedup.sim._synthetic import PlaceSummary, SimBatch, SyntheticPlace
from joinedup.sim._systems import CANONICAL_COLUMNS, SIM_SYSTEMS, SimSystem

__all__ = [
    "CANONICAL_COLUMNS",
    "SIM_SYSTEMS",
    "ExportSummary",
    "PlaceSummary",
    "SimBatch",
    "SimSystem",
    "SyntheticPlace",
    "export_place",
]
