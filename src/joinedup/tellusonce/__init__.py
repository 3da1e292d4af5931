"""Tell us once: a change of circumstance told once is written into every system that holds it and may
receive it, exactly once in effect, with a receipt per system.

    desk = ChangeDesk(database, place.subscriptions, directory, policy)     # accept changes
    desk.tell(ChangeOfCircumstance(ChangeKind.ADDRESS, resident_id, {"address_line_1": ..., "postcode": ...}))
    worker = DeliveryWorker(database, ConnectorPool(opener, kinds))          # deliver them
    worker.run(stop_event)

``RecordDirectory`` (which record in each system is this resident) and ``DeliveryPolicy`` (may this system
receive these fields) are the ports linkage and governance fill; simple implementations are included.
"""

from joinedup.store.tellusonce_outbox import DeliveryRow, NewDelivery, OutboxStore, Outcome

from ._connectors import ConnectorPool, connections_opener
from ._desk import AcceptedChange, ChangeDesk
from ._directory import MappingRecordDirectory, StoredRecordVersions
from ._events import FIELDS, ChangeError, ChangeKind, ChangeOfCircumstance, check_change
from ._jetstream import JetStreamSettings, JetStreamWorker
from ._planning import plan_deliveries
from ._policy import FIELD_GROUPS, PlaceDeliveryPolicy
from ._ports import DeliveryPolicy, PolicyDecision, RecordDirectory, RecordVersions
from ._retry import Backoff, after_failure, after_receipt
from ._runner import deliver_until_settled, place_connections, pool_from_connections, tell_once
from ._worker import DeliveryWorker, worker_name

__all__ = [
    "FIELDS",
    "FIELD_GROUPS",
    "AcceptedChange",
    "Backoff",
    "ChangeDesk",
    "ChangeError",
    "ChangeKind",
    "ChangeOfCircumstance",
    "ConnectorPool",
    "DeliveryPolicy",
    "DeliveryRow",
    "DeliveryWorker",
    "JetStreamSettings",
    "JetStreamWorker",
    "MappingRecordDirectory",
    "NewDelivery",
    "OutboxStore",
    "Outcome",
    "PlaceDeliveryPolicy",
    "PolicyDecision",
    "RecordDirectory",
    "RecordVersions",
    "StoredRecordVersions",
    "after_failure",
    "after_receipt",
    "check_change",
    "connections_opener",
    "deliver_until_settled",
    "place_connections",
    "plan_deliveries",
    "pool_from_connections",
    "tell_once",
    "worker_name",
]
