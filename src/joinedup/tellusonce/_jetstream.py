"""NATS JetStream as the delivery transport, for places that want a broker between the hub and its workers.

The outbox stays the source of truth. A relay claims due deliveries (state ``queued``, with a lease) and
publishes each delivery's id on ``<prefix>.<system>`` with its idempotency key as ``Nats-Msg-Id``, so
JetStream drops a re-publish within its duplicate window. Workers pull from one durable consumer, write through
the connector, record the outcome in the outbox, and only then acknowledge; a worker that dies before its ack
leaves the message to be redelivered, and a message whose delivery is no longer queued is acknowledged and
skipped. Order per resident and system holds because the relay publishes only the first undelivered one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from joinedup.store.tellusonce_outbox import OutboxStore

from ._worker import DeliveryWorker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JetStreamSettings:
    url: str = "nats://127.0.0.1:4222"
    stream: str = "TELLUSONCE"
    subject_prefix: str = "tellusonce"
    consumer: str = "tellusonce-workers"
    ack_wait_seconds: float = 30.0
    fetch_timeout_seconds: float = 0.5
    connect_timeout_seconds: float = 10.0  # the first connection; once connected, nats-py reconnects for ever

    @classmethod
    def named(cls, stream: str, url: str = "nats://127.0.0.1:4222") -> JetStreamSettings:
        """Settings for one stream: its subjects and durable consumer are named after it."""
        return cls(url=url, stream=stream, subject_prefix=stream.lower(), consumer=f"{stream.lower()}-workers")


class JetStreamWorker:
    """Relays the outbox into JetStream and delivers what it pulls back out; one per process, any number."""

    def __init__(self, worker: DeliveryWorker, settings: JetStreamSettings | None = None) -> None:
        try:
            import nats  # noqa: F401  (checked here so the error names the extra)
        except ModuleNotFoundError as error:  # pragma: no cover - nats-py is installed with the nats extra
            raise RuntimeError("NATS transport needs nats-py: pip install 'joinedup[nats]'") from error
        self.worker = worker
        self.settings = settings or JetStreamSettings()
        self.outbox: OutboxStore = worker.outbox
        self._loop = asyncio.new_event_loop()
        self._nc: Any = None
        self._js: Any = None
        self._pull: Any = None

    def _run(self, work: Any) -> Any:
        # nats-py looks up the current loop, so the thread running this worker makes its loop the current one.
        asyncio.set_event_loop(self._loop)
        return self._loop.run_until_complete(work)

    def connect(self) -> JetStreamWorker:
        self._run(self._connect())
        return self

    async def _connect(self) -> None:
        import nats
        from nats.js.api import AckPolicy, ConsumerConfig

        s = self.settings

        async def reported(error: Exception) -> None:  # nats-py's own default prints a traceback per attempt
            log.warning("tellusonce.jetstream.connection_error", extra={"error": type(error).__name__})

        self._nc = await asyncio.wait_for(
            nats.connect(s.url, connect_timeout=2, max_reconnect_attempts=-1, error_cb=reported),
            timeout=s.connect_timeout_seconds,
        )
        self._js = self._nc.jetstream()
        await self._js.add_stream(name=s.stream, subjects=[f"{s.subject_prefix}.>"])
        config = ConsumerConfig(durable_name=s.consumer, ack_policy=AckPolicy.EXPLICIT, ack_wait=s.ack_wait_seconds)
        self._pull = await self._js.pull_subscribe(f"{s.subject_prefix}.>", durable=s.consumer, config=config)

    def close(self) -> None:
        if self._nc is not None:
            self._run(self._nc.close())
            self._nc = None
        self._loop.close()

    def delete_stream(self) -> None:
        """Remove the stream (tests and teardown of a place)."""
        self._run(self._js.delete_stream(self.settings.stream))

    # -- one round --------------------------------------------------------------------------------------------
    def relay(self) -> int:
        """Claim due deliveries as ``queued`` and publish them; returns how many were published."""
        w = self.worker
        rows = self.outbox.claim(
            w.name, w.batch_size, lease_seconds=w.lease_seconds, status="queued", systems=w.connectors.systems
        )
        self._run(self._publish([(row.id, row.system, row.idempotency_key) for row in rows]))
        return len(rows)

    async def _publish(self, items: Sequence[tuple[int, str, str]]) -> None:
        for delivery_id, system, key in items:
            payload = json.dumps({"delivery_id": delivery_id}).encode()
            await self._js.publish(f"{self.settings.subject_prefix}.{system}", payload, headers={"Nats-Msg-Id": key})

    def consume(self) -> int:
        """Pull a batch, deliver what is still queued, record, then acknowledge. Returns how many were pulled."""
        messages = self._run(self._fetch())
        if not messages:
            return 0
        ids = [int(json.loads(message.data)["delivery_id"]) for message in messages]
        rows = [row for row in (self.outbox.get(i) for i in ids) if row is not None and row.status == "queued"]
        if rows:
            self.outbox.record(None, self.worker.deliver(rows), on_delivered=self.worker.on_delivered, claimed=rows)
        self._run(asyncio.gather(*(message.ack() for message in messages)))
        return len(messages)

    async def _fetch(self) -> list[Any]:
        from nats.errors import TimeoutError as NatsTimeout

        try:
            return list(await self._pull.fetch(self.worker.batch_size, timeout=self.settings.fetch_timeout_seconds))
        except (NatsTimeout, TimeoutError):  # nothing waiting within the fetch timeout
            return []

    def run_once(self) -> int:
        return self.relay() + self.consume()

    def run(
        self, stop: threading.Event, *, idle_seconds: float = 0.05, on_round: Callable[[int], None] | None = None
    ) -> None:
        """Relay and deliver until ``stop`` is set, in the calling thread. A database or broker that goes away is
        waited out (nats-py reconnects by itself; the outbox keeps what was not acknowledged)."""
        pause = idle_seconds
        while not stop.is_set():
            try:
                handled = self.run_once()
                pause = idle_seconds
            except Exception as error:  # noqa: BLE001 - a failed round is retried; the outbox keeps the work
                log.warning("tellusonce.jetstream.round_failed", extra={"error": type(error).__name__})
                handled, pause = 0, min(5.0, max(0.2, pause * 2))
            if on_round is not None:
                on_round(handled)
            if handled == 0:
                stop.wait(pause)
