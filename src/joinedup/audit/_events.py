"""The typed events the audit log records: who did what, why, about whom, and under which agreement.

Events name fields, organisations, purposes and record ids; they never carry a personal value (no names,
dates of birth, addresses or identifiers' values), so the log can be kept longer than the data it describes
and shown to a resident without revealing anyone else's data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def utc_now() -> datetime:
    return datetime.now(UTC)


class Channel(StrEnum):
    """The way personal data left (or would have left) the core."""

    API = "api"
    DASHBOARD = "dashboard"
    EXPORT = "export"
    ANALYTICS = "analytics"
    DELIVERY = "delivery"


class Outcome(StrEnum):
    PERMIT = "PERMIT"
    DENY = "DENY"
    REVIEW = "REVIEW"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(_Frozen):
    """Who acted: a person, in a role, for an organisation (codes from the place file)."""

    person_id: str = Field(min_length=1)
    role: str = Field(min_length=1)
    organisation: str = Field(min_length=1)


class _Event(_Frozen):
    occurred_at: AwareDatetime = Field(default_factory=utc_now, description="When the act happened (UTC)")


class _Sharing(_Event):
    """Who, why and about whom: what every decision and disclosure has in common."""

    actor: Actor
    purpose: str = Field(min_length=1, description="Purpose code from the agreement")
    purpose_description: str | None = Field(default=None, description="The purpose in plain language")
    reference: str | None = Field(default=None, description="The case or referral the request is for")
    subject_resident_id: str = Field(min_length=1)
    channel: Channel
    agreement_code: str | None = None
    agreement_version: str | None = None
    lawful_basis: str | None = None
    consent_basis: str | None = None
    break_glass: bool = False
    break_glass_reason: str | None = None


class DecisionEvent(_Sharing):
    """One answer of the decision point: PERMIT (with the permitted fields), DENY or REVIEW, with reasons."""

    kind: Literal["decision"] = "decision"
    fields_requested: tuple[str, ...]
    fields_permitted: tuple[str, ...] = ()
    outcome: Outcome
    reasons: tuple[str, ...] = ()


class DisclosureEvent(_Sharing):
    """Personal data actually disclosed. ``withheld_until`` hides it from the resident's view until then
    (a covert investigation); the entry itself is recorded at once like any other."""

    kind: Literal["disclosure"] = "disclosure"
    fields_disclosed: tuple[str, ...]
    withheld_until: date | None = None
    decision_sequence: int | None = Field(default=None, description="The audit entry of the decision behind it")


class RecordRef(_Frozen):
    """A record named by its system and its id in that system (ids are references, not personal values)."""

    system: str = Field(min_length=1)
    record_id: str = Field(min_length=1)


class PurgeEvent(_Event):
    """What a retention purge removed: how many and which records, never their content."""

    kind: Literal["purge"] = "purge"
    record_type: str
    retention_days: int = Field(ge=0)
    cutoff: AwareDatetime
    count: int = Field(ge=0)
    records: tuple[RecordRef, ...] = ()


class RectificationEvent(_Event):
    """A correction recorded, with the organisations that received the corrected fields and must be told."""

    kind: Literal["rectification"] = "rectification"
    actor: Actor
    subject_resident_id: str = Field(min_length=1)
    record: RecordRef
    fields_corrected: tuple[str, ...]
    reason: str
    recipients: tuple[str, ...] = Field(default=(), description="Organisation codes to notify")


class ErasureEvent(_Event):
    """An erasure or a restriction of processing (or its lifting), with the ground that made it lawful."""

    kind: Literal["erasure"] = "erasure"
    action: Literal["erase", "restrict", "lift-restriction"]
    actor: Actor
    subject_resident_id: str = Field(min_length=1)
    records: tuple[RecordRef, ...]
    ground: str = Field(min_length=1, description="Why it is lawful, e.g. 'UK GDPR Art 17(1)(b) consent withdrawn'")
    reason: str | None = Field(default=None, description="The request behind it, in the operator's words")


class SubjectAccessEvent(_Event):
    """A subject access request made (and answered) for a resident."""

    kind: Literal["subject-access"] = "subject-access"
    actor: Actor
    subject_resident_id: str = Field(min_length=1)
    records: int = Field(ge=0, description="How many records the answer held")
    systems: tuple[str, ...] = ()


class ExtractEvent(_Event):
    """A pseudonymised extract for analysis, decided by the decision point and audited once: who asked, for what
    purpose under which agreement, which columns were asked for and extracted, how many rows, how many counts
    were suppressed. Aggregate: it names no resident and holds no pseudonym or value. A refused extract has
    outcome DENY (or REVIEW), no fields and no rows, and its reasons."""

    kind: Literal["extract"] = "extract"
    purpose: str
    fields: tuple[str, ...]
    rows: int = Field(ge=0)
    suppressed_counts: int = Field(ge=0)
    threshold: int = Field(ge=1)
    # Who asked and what the decision point answered (absent from extracts recorded before the gate decided them).
    actor: Actor | None = None
    purpose_description: str | None = None
    outcome: Outcome = Outcome.PERMIT
    fields_requested: tuple[str, ...] = ()
    agreement_code: str | None = None
    agreement_version: str | None = None
    lawful_basis: str | None = None
    reasons: tuple[str, ...] = ()


class CheckpointEvent(_Event):
    """A signed Merkle root over entries 1..tree_size, recorded in the chain as well as beside it."""

    kind: Literal["checkpoint"] = "checkpoint"
    tree_size: int = Field(ge=0)
    root: str = Field(pattern=r"^[0-9a-f]{64}$")
    key_id: str


AuditEvent = Annotated[
    DecisionEvent
    | DisclosureEvent
    | PurgeEvent
    | RectificationEvent
    | ErasureEvent
    | SubjectAccessEvent
    | ExtractEvent
    | CheckpointEvent,
    Field(discriminator="kind"),
]
