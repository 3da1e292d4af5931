"""Audit: every decision and disclosure in a hash-chained, checkpointed log nobody can quietly edit.

Write with :class:`AuditLog` (``append_in`` inside the transaction of the act), using the typed events below.
"""

from ._answer import answer_subject_access
from ._chain import GENESIS_HASH, AuditEntry
from ._checkpoint import AuditIntegrityError, Checkpoint, checkpoint_if_due_in, checkpoint_in, merkle_root_in
from ._disclosures import DisclosureSeen, who_has_seen_in
from ._events import (
    Actor,
    AuditEvent,
    Channel,
    CheckpointEvent,
    DecisionEvent,
    DisclosureEvent,
    ErasureEvent,
    ExtractEvent,
    Outcome,
    PurgeEvent,
    RecordRef,
    RectificationEvent,
    SubjectAccessEvent,
)
from ._extract import (
    EXTRACT_FIELDS,
    CountRow,
    ExtractRow,
    Pseudonymiser,
    count_by,
    derive_pseudonym_key,
    extract_rows,
    suppress_small_counts,
)
from ._keys import AuditKeyError, load_public_key, public_key_path_for, signing_key
from ._lawful import ErasureRefused, erasure_ground
from ._log import AuditLog
from ._retention import PurgeResult, purge_in
from ._rights import Rectification, SubjectRights, recipients_of
from ._subject_access import SubjectAccessReport, render_html, write_subject_access
from ._verify import VerificationReport, verify_entries, verify_in
from ._walk import Problem

__all__ = [
    "EXTRACT_FIELDS",
    "GENESIS_HASH",
    "Actor",
    "AuditEntry",
    "AuditEvent",
    "AuditIntegrityError",
    "AuditKeyError",
    "AuditLog",
    "Channel",
    "Checkpoint",
    "CheckpointEvent",
    "CountRow",
    "DecisionEvent",
    "DisclosureEvent",
    "DisclosureSeen",
    "ErasureEvent",
    "ErasureRefused",
    "ExtractEvent",
    "ExtractRow",
    "Outcome",
    "Problem",
    "Pseudonymiser",
    "PurgeEvent",
    "PurgeResult",
    "RecordRef",
    "Rectification",
    "RectificationEvent",
    "SubjectAccessEvent",
    "SubjectAccessReport",
    "SubjectRights",
    "VerificationReport",
    "answer_subject_access",
    "checkpoint_if_due_in",
    "checkpoint_in",
    "count_by",
    "derive_pseudonym_key",
    "erasure_ground",
    "extract_rows",
    "load_public_key",
    "merkle_root_in",
    "public_key_path_for",
    "purge_in",
    "recipients_of",
    "render_html",
    "signing_key",
    "suppress_small_counts",
    "verify_entries",
    "verify_in",
    "who_has_seen_in",
    "write_subject_access",
]
