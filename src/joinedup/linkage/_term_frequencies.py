"""Term frequencies of the values a model adjusts for, taken from the resident population.

Splink raises the weight of an agreement on a rare surname and lowers it on a common one, using each value's
share of the non-null values of its column. Real-time scoring needs the same shares, computed once from the
population; a new record's value that the population has never seen gets none (as in Splink, where the
pair then takes the other side's frequency).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class TermFrequencies:
    """Per column, the distinct values and each one's share of the column's non-null values."""

    def __init__(self, tables: dict[str, tuple[pa.Array, pa.Array]]) -> None:
        self._tables = tables

    @classmethod
    def from_population(cls, population: pa.Table, columns: Iterable[str]) -> TermFrequencies:
        tables: dict[str, tuple[pa.Array, pa.Array]] = {}
        for name in columns:
            if name not in population.column_names:
                raise ValueError(f"population has no column {name!r} for term frequencies")
            counts = pc.value_counts(population.column(name).drop_null())
            values, how_many = counts.field("values"), counts.field("counts")
            total = max(population.num_rows - population.column(name).null_count, 1)
            shares = pc.divide(pc.cast(how_many, pa.float64()), float(total))
            tables[name] = (values, shares)
        return cls(tables)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self._tables)

    def annotate(self, records: pa.Table) -> pa.Table:
        """`records` with a `tf_<column>` column for each column (null where the value is unknown)."""
        for name, (values, shares) in self._tables.items():
            position = pc.index_in(records.column(name), value_set=values)
            frequency = pc.take(shares, position) if len(values) else pa.nulls(records.num_rows, pa.float64())
            tf_name = f"tf_{name}"
            if tf_name in records.column_names:
                records = records.drop_columns([tf_name])
            records = records.append_column(tf_name, frequency)
        return records

    def as_lookup(self, name: str) -> pa.Table:
        """One column's table in Splink's layout (`<column>`, `tf_<column>`), e.g. to register with a linker."""
        values, shares = self._tables[name]
        return pa.table({name: values, f"tf_{name}": shares})

    def share(self, name: str, value: object) -> float | None:
        values, shares = self._tables[name]
        found = pc.index(values, pa.scalar(value, type=values.type)).as_py()
        return None if found < 0 else float(np.asarray(shares)[found])
