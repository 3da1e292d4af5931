"""The records one simulated REST system holds, and what it does with list requests and writes (no HTTP here).

Records are kept in the system's native layout. Lists come in (updated, id) order, filtered by an inclusive
``updated_since``. A write bumps the record's updated timestamp past every other one the system holds, so an
incremental reader always sees it, and changes its entity tag (a hash of the record).
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

Record = dict[str, Any]


@dataclass(frozen=True)
class RestSystemProfile:
    """One simulated system's habits: its field names, timestamp format, pagination and authentication."""

    code: str
    id_field: str
    updated_field: str
    updated_format: str  # strftime pattern the system writes timestamps in
    pagination: Literal["page", "cursor", "link"]
    auth: Literal["api-key", "oauth2", "none"]
    items_field: str = "items"
    default_per_page: int = 50
    max_per_page: int = 500
    api_key_header: str = "X-API-Key"
    api_key: str = "sim-api-key"
    client_id: str = "sim-client"
    client_secret: str = "sim-secret"  # noqa: S105 - a simulator's own throwaway credential
    token_lifetime_seconds: int = 300


@dataclass(frozen=True)
class WriteEvent:
    """One write that reached the system, whatever became of it (for tests to inspect)."""

    record_id: str
    method: str
    fields: Mapping[str, Any]
    idempotency_key: str | None
    if_match: str | None
    status: int
    replayed: bool = False
    bulk: bool = False  # one item of a bulk write


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


class RecordStore:
    """One system's records, writes and idempotency keys. Not thread-safe: the server holds a lock around it."""

    def __init__(self, profile: RestSystemProfile, records: Iterable[Mapping[str, Any]]) -> None:
        self.profile = profile
        self.records: dict[str, Record] = {}
        self._latest: datetime | None = None  # the latest stamp held, kept as records come in (writes read it)
        for record in records:
            self._put_new(dict(record))
        self.writes: list[WriteEvent] = []
        self.idempotent: dict[str, Answer] = {}
        self._order: list[str] | None = None

    # -- reading ---------------------------------------------------------------------------------------------
    def updated_at(self, record: Mapping[str, Any]) -> datetime:
        return datetime.strptime(str(record[self.profile.updated_field]), self.profile.updated_format).replace(
            tzinfo=UTC
        )

    def etag(self, record_id: str) -> str:
        digest = hashlib.sha256(json.dumps(self.records[record_id], sort_keys=True).encode()).hexdigest()
        return f'"{digest[:20]}"'

    def listing(self, query: Mapping[str, str], path: str) -> Answer:
        """One page of the list, in the profile's pagination style."""
        profile = self.profile
        try:
            per_page = min(profile.max_per_page, max(1, int(query.get("per_page", profile.default_per_page))))
            since = self._parse_since(query.get("updated_since"))
        except ValueError:
            return Answer(400, {"error": "bad query parameter"})
        ids = [i for i in self._ordered() if since is None or self.updated_at(self.records[i]) >= since]
        if profile.pagination == "cursor":
            start = self._after_cursor(ids, query.get("cursor"))
            if start is None:
                return Answer(400, {"error": "unknown cursor"})
            chosen = ids[start : start + per_page]
            more = start + per_page < len(ids)
            next_cursor = self._encode_cursor(chosen[-1]) if more and chosen else None
            return Answer(200, {profile.items_field: self._copies(chosen), "next_cursor": next_cursor})
        try:
            page = max(1, int(query.get("page", "1")))
        except ValueError:
            return Answer(400, {"error": "bad query parameter"})
        chosen = ids[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(ids)
        if profile.pagination == "page":
            body = {profile.items_field: self._copies(chosen), "page": page, "per_page": per_page, "total": len(ids)}
            return Answer(200, body)
        headers: dict[str, str] = {}
        if more:
            args = {**query, "page": str(page + 1), "per_page": str(per_page)}
            link = path + "?" + "&".join(f"{key}={quote(value, safe='')}" for key, value in args.items())
            headers["Link"] = f'<{link}>; rel="next"'  # relative, as RFC 8288 allows
        return Answer(200, {profile.items_field: self._copies(chosen)}, headers)

    def one(self, record_id: str) -> Answer:
        if record_id not in self.records:
            return Answer(404, {"error": "no such record"})
        return Answer(200, dict(self.records[record_id]), {"ETag": self.etag(record_id)})

    # -- writing ---------------------------------------------------------------------------------------------
    def write(
        self, record_id: str, method: str, body: Any, idempotency_key: str | None, if_match: str | None,
        *, bulk: bool = False,
    ) -> Answer:  # fmt: skip
        """A PUT or PATCH: idempotent by key, conditional on If-Match, and logged either way."""
        fields = body if isinstance(body, dict) else {}
        if idempotency_key is not None and idempotency_key in self.idempotent:
            first = self.idempotent[idempotency_key]
            event = WriteEvent(record_id, method, fields, idempotency_key, if_match, first.status, True, bulk)
            self.writes.append(event)
            return Answer(first.status, first.body, {**first.headers, "Idempotent-Replayed": "true"})
        answer = self._apply(record_id, method, body, if_match)
        self.writes.append(WriteEvent(record_id, method, fields, idempotency_key, if_match, answer.status, False, bulk))
        if idempotency_key is not None and 200 <= answer.status < 300:
            self.idempotent[idempotency_key] = answer
        return answer

    def write_batch(self, body: Any, failing: frozenset[str] = frozenset(), fail_status: int = 500) -> Answer:
        """A bulk write: ``{"changes": [{"id", "idempotency_key", "if_match", "fields"}, ...]}``, each item applied
        in order exactly as a PATCH carrying that key and If-Match would be (a key seen before is answered as the
        first time, not applied again), answered item by item; one item's refusal leaves the others applied.
        Records in ``failing`` answer ``fail_status`` for their item (a fault knob)."""
        items = body.get("changes") if isinstance(body, dict) else None
        if not isinstance(items, list):
            return Answer(400, {"error": "the body needs a 'changes' list"})
        results: list[dict[str, Any]] = []
        for item in items:
            key = item.get("idempotency_key") if isinstance(item, dict) else None
            if not isinstance(item, dict) or not isinstance(item.get("id"), (str, int)) or not isinstance(key, str):
                results.append({"idempotency_key": key, "status": 400, "error": "an item needs an id and a key"})
                continue
            record_id = str(item["id"])
            if record_id in failing:
                results.append({"id": record_id, "idempotency_key": key, "status": fail_status, "error": "failure"})
                continue
            answer = self.write(record_id, "PATCH", item.get("fields"), key, item.get("if_match"), bulk=True)
            result: dict[str, Any] = {"id": record_id, "idempotency_key": key, "status": answer.status}
            if "ETag" in answer.headers:
                result["etag"] = answer.headers["ETag"]
            if answer.status >= 400 and isinstance(answer.body, dict):
                result["error"] = answer.body.get("error")
            if answer.headers.get("Idempotent-Replayed"):
                result["replayed"] = True
            results.append(result)
        return Answer(200, {"results": results})

    def _apply(self, record_id: str, method: str, body: Any, if_match: str | None) -> Answer:
        profile = self.profile
        if record_id not in self.records:
            return Answer(404, {"error": "no such record"})
        if not isinstance(body, dict):
            return Answer(400, {"error": "the body must be a JSON object"})
        current = self.records[record_id]
        if if_match is not None and not _matches(if_match, self.etag(record_id)):
            return Answer(412, {"error": "the record has changed"}, {"ETag": self.etag(record_id)})
        if str(body.get(profile.id_field, record_id)) != record_id:
            return Answer(400, {"error": "the record id cannot change"})
        unknown = sorted(set(body) - set(current))
        if unknown:
            return Answer(422, {"error": "unknown fields", "fields": unknown})
        if method == "PUT" and set(body) != set(current):
            return Answer(422, {"error": "PUT needs the whole record", "missing": sorted(set(current) - set(body))})
        self.change(record_id, body)
        return Answer(200, dict(self.records[record_id]), {"ETag": self.etag(record_id)})

    def change(self, record_id: str, fields: Mapping[str, Any]) -> None:
        """Change a record as the system's own users would: the new values, and a fresh updated timestamp."""
        record = {**self.records[record_id], **fields}
        record[self.profile.updated_field] = self._next_timestamp()
        self.records[record_id] = record
        self._note_stamp(record)
        self._order = None

    def add(self, record: Mapping[str, Any], touch: bool = True) -> str:
        """Add a record; ``touch`` stamps it as changed now, otherwise it keeps the timestamp it came with."""
        new = dict(record)
        if touch:
            new[self.profile.updated_field] = self._next_timestamp()
        return self._put_new(new)

    def _put_new(self, record: Record) -> str:
        record_id = str(record[self.profile.id_field])
        if record_id in self.records:
            raise ValueError(f"{self.profile.code}: record id {record_id} appears twice")
        self._note_stamp(record)  # also refuses a record whose timestamp the system could not have written
        self.records[record_id] = record
        self._order = None
        return record_id

    def _note_stamp(self, record: Mapping[str, Any]) -> None:
        stamp = self.updated_at(record)
        if self._latest is None or stamp > self._latest:
            self._latest = stamp

    def _next_timestamp(self) -> str:
        # Strictly later than anything held, even for date-only systems or records stamped in the future. The
        # latest stamp is kept as records change rather than found by a scan, so a write costs the same at any size.
        fmt = self.profile.updated_format
        tick = timedelta(seconds=1) if any(code in fmt for code in ("%H", "%M", "%S", "%T")) else timedelta(days=1)
        latest = self._latest
        moment = datetime.now(UTC)
        if latest is not None and moment < latest + tick:
            moment = latest + tick
        return moment.strftime(fmt)

    def _ordered(self) -> list[str]:
        if self._order is None:
            self._order = sorted(self.records, key=lambda i: (self.updated_at(self.records[i]), i))
        return self._order

    def _copies(self, ids: list[str]) -> list[Record]:
        return [dict(self.records[i]) for i in ids]

    def _parse_since(self, value: str | None) -> datetime | None:
        if not value:
            return None
        return datetime.strptime(value, self.profile.updated_format).replace(tzinfo=UTC)

    def _key(self, record_id: str) -> tuple[datetime, str]:
        return self.updated_at(self.records[record_id]), record_id

    def _encode_cursor(self, record_id: str) -> str:
        # The position, not the record: a record changed between two pages must not move the reader's place.
        updated, _ = self._key(record_id)
        return base64.urlsafe_b64encode(f"{updated.isoformat()}|{record_id}".encode()).decode()

    def _after_cursor(self, ids: list[str], cursor: str | None) -> int | None:
        if not cursor:
            return 0
        try:
            stamp, _, last = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
            key = (datetime.fromisoformat(stamp), last)
        except ValueError:
            return None
        return bisect.bisect_right(ids, key, key=self._key)


def _matches(if_match: str, etag: str) -> bool:
    tags = [tag.strip() for tag in if_match.split(",")]
    return "*" in tags or etag in tags
