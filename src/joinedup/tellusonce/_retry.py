"""What to do after an attempt: delivered, try again later (exponential backoff with jitter), hold, or give up.

Pure functions of the attempt's result, so the rules are tested without a server:

* the system took it -> delivered, with its receipt;
* the system says the record changed since joinedup read it -> held for review (never overwritten blindly);
* the system refused it (not found, a field it will not take, a 4xx) -> dead at once: retrying cannot help;
* the system could not be reached or failed (timeouts, 5xx, a connection refused) -> retried with exponential
  backoff and full jitter, and dead once ``max_attempts`` are spent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from joinedup.connectors import WriteReceipt
from joinedup.store.tellusonce_outbox import DeliveryRow, Outcome


@dataclass(frozen=True)
class Backoff:
    base_seconds: float = 0.5
    cap_seconds: float = 300.0
    max_attempts: int = 8
    jitter: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempt: int) -> float:
        """Seconds before attempt ``attempt + 1``: uniformly between half and all of the exponential ceiling."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2.0 ** max(0, attempt - 1))
        return float(ceiling * (0.5 + 0.5 * self.jitter.random()))


def after_receipt(delivery: DeliveryRow, receipt: WriteReceipt) -> Outcome:
    if receipt.accepted:
        return Outcome(delivery.id, "delivered", receipt=receipt.detail or "accepted")
    if "conflict" in receipt.detail or "changed since" in receipt.detail:
        reason = f"held for review: the record in {delivery.system} changed since joinedup last read it"
        return Outcome(delivery.id, "held", reason=f"{reason} ({receipt.detail})")
    return Outcome(delivery.id, "dead", reason=f"rejected by {delivery.system}: {receipt.detail}")


def after_failure(delivery: DeliveryRow, error: BaseException, backoff: Backoff, now: datetime) -> Outcome:
    attempt = delivery.attempts + 1
    problem = f"{type(error).__name__}: {error}"[:500]
    if attempt >= backoff.max_attempts:
        return Outcome(delivery.id, "dead", reason=f"gave up after {attempt} attempts; last: {problem}")
    wait = backoff.delay(attempt)
    return Outcome(
        delivery.id, "pending", reason=f"attempt {attempt} failed: {problem}",
        next_attempt_at=now + timedelta(seconds=wait),
    )  # fmt: skip
