"""Tell us once: a change of circumstance told once is written into every system that holds it and may
receive it, exactly once in effect, with a receipt per system.

    desk = ChangeDesk(database, place.subscriptions, directory, policy)     # accept changes
    desk.tell(ChangeOfCircumstance(ChangeKind.ADDRESS, resident_id, {"address_line_1": ..., "postcode": ...}))
    worker = DeliveryWorker(database, ConnectorPool(opener, kinds))          # deliver them
    worker.run(stop_event)

``RecordDirectory`` (which record in each system is this resident), ``DeliveryPolicy`` (may this system
receive these fields) and ``DeliveryAudit`` (record what was delivered) are the ports linkage and governance
fill; ``joinedup.governance.GovernedDeliveries`` is the policy and audit over the one decision point.
"""

from joinedup.store.tellusonce_outbox import DeliveryRow, NewDelivery, OutboxStore, Outcome

from ._connectors import ConnectorPool, connections_opener
from ._desk import AcceptedChange, ChangeDesk
from ._detector import DETECTED_BY, ChangeDetector, DetectionReport, SystemDetection, detected_key
from ._directory import MappingRecordDirectory, StoredRecordVersions
from ._events import FIELDS, ChangeError, ChangeKind, ChangeOfCircumstance, check_change
from ._jetstream import JetStreamSettings, JetStreamWorker
from ._planning import plan_deliveries
from ._ports import DeliveryAsk, DeliveryAudit, DeliveryPolicy, PolicyDecision, RecordDirectory, RecordVersions
from ._retry import Backoff, after_failure, after_receipt
from ._runner import deliver_until_settled, place_connections, pool_from_connections, tell_once
from ._truth import changes_between, sources_of_truth
from ._worker import DeliveryWorker, worker_name

__all__ = [
    "DETECTED_BY",
    "FIELDS",
    "AcceptedChange",
    "Backoff",
    "ChangeDesk",
    "ChangeDetector",
    "ChangeError",
    "ChangeKind",
    "ChangeOfCircumstance",
    "ConnectorPool",
    "DeliveryAsk",
    "DeliveryAudit",
    "DeliveryPolicy",
    "DeliveryRow",
    "DeliveryWorker",
    "DetectionReport",
    "JetStreamSettings",
    "JetStreamWorker",
    "MappingRecordDirectory",
    "NewDelivery",
    "OutboxStore",
    "Outcome",
    "PolicyDecision",
    "RecordDirectory",
    "RecordVersions",
    "StoredRecordVersions",
    "SystemDetection",
    "after_failure",
    "after_receipt",
    "changes_between",
    "check_change",
    "connections_opener",
    "deliver_until_settled",
    "detected_key",
    "place_connections",
    "plan_deliveries",
    "pool_from_connections",
    "sources_of_truth",
    "tell_once",
    "worker_name",
]
