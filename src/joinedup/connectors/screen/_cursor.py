"""The incremental-read cursor: the latest "Last modified" time read, and which records carried exactly that time.

Legacy screens show times to the second at best, so two records can share a stamp. Keeping the ids read at the
high-water mark lets the next read take records stamped at that same second that it has not yet seen, without
handing out again the ones it has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Watermark:
    moment: datetime
    ids: frozenset[str]

    def admits(self, modified: datetime, record_id: str | None = None) -> bool:
        """Whether a record stamped ``modified`` is new since this mark (``record_id`` unknown: maybe)."""
        if modified != self.moment:
            return modified > self.moment
        return record_id is None or record_id not in self.ids

    def advanced(self, modified: datetime, record_id: str) -> Watermark:
        if modified > self.moment:
            return Watermark(modified, frozenset({record_id}))
        if modified == self.moment:
            return Watermark(self.moment, self.ids | {record_id})
        return self

    def encode(self) -> str:
        return json.dumps({"modified": self.moment.isoformat(), "ids": sorted(self.ids)}, separators=(",", ":"))

    @staticmethod
    def decode(cursor: str) -> Watermark:
        try:
            data = json.loads(cursor)
            moment = datetime.fromisoformat(data["modified"])
            ids = frozenset(str(item) for item in data["ids"])
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError("not a screen-connector cursor") from error
        if moment.tzinfo is None:
            raise ValueError("not a screen-connector cursor: its time has no zone")
        return Watermark(moment, ids)
