"""Benchmark: decisions per second at the one decision point, in-process, on the demo place's agreements.

Target: at least 20,000 decisions/s (median of 5 runs). The baseline, measured in the same run, is the same
mix of requests answered by Cedar every time (``decide_uncached``), i.e. without the cache of compiled
answers. The mix: every registered actor x purpose, several field sets, residents with no consent record,
an objection or a consent to share, so the cache is keyed on consent state as in real use.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results  # bench/ is not a package: results.py sits beside this file
from joinedup.governance import Actor, Consent, DecisionPoint, Outcome, Request
from joinedup.place import demo_place_path, load_place

TARGET = 20_000.0
RUNS = 5
CACHED_DECISIONS = 200_000
UNCACHED_DECISIONS = 3_000
FIELD_SETS = (
    ("person.name",),
    ("person.name", "person.address"),
    ("person.name", "person.date_of_birth", "person.address", "person.contact_points"),
    ("person.name", "person.date_of_birth", "person.address", "person.contact_points", "health.summary"),
    ("known_to",),
)


def request_mix(point: DecisionPoint, count: int, seed: int) -> list[tuple[Request, tuple[Consent, ...]]]:
    place = point.place
    actors = [Actor(p.code, role, o.code) for o in place.organisations for p in o.people for role in p.roles]
    actors += [Actor(f"{o.code}-staff", role, o.code) for o in place.organisations if not o.people for role in o.roles]
    purposes = sorted({p.code for a in place.agreements for p in a.purposes})
    objection = Consent.model_validate(
        {"id": "o-1", "subject": "r", "scope": "share", "decision": "deny", "recorded_on": "2026-01-01",
         "evidence": "letter"}
    )  # fmt: skip
    permit = objection.model_copy(update={"id": "c-1", "decision": "permit"})
    consent_choices: list[tuple[Consent, ...]] = [(), (), (), (objection,), (permit,)]
    shapes = list(itertools.product(actors, purposes, FIELD_SETS))
    rng = random.Random(seed)
    mix = []
    for i in range(count):
        actor, purpose, fields = rng.choice(shapes)
        mix.append((Request(actor, purpose, f"resident-{i % 5000}", fields), rng.choice(consent_choices)))
    return mix


def rate(decide: object, mix: list[tuple[Request, tuple[Consent, ...]]]) -> tuple[float, int]:
    started = time.perf_counter()
    permits = 0
    for request, consents in mix:
        if decide(request, consents).outcome is Outcome.PERMIT:  # type: ignore[operator]
            permits += 1
    return len(mix) / (time.perf_counter() - started), permits


def main() -> None:
    place = load_place(demo_place_path())
    clock = lambda: dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)  # noqa: E731  (a fixed day: no agreement lapses)
    baseline, cached = [], []
    for run in range(RUNS):
        point = DecisionPoint(place, clock=clock)  # a fresh point: the cache starts empty every run
        uncached_rate, _ = rate(point.decide_uncached, request_mix(point, UNCACHED_DECISIONS, seed=run))
        baseline.append(uncached_rate)
        cached_rate, permits = rate(point.decide, request_mix(point, CACHED_DECISIONS, seed=run))
        cached.append(cached_rate)
        print(
            f"run {run + 1}/{RUNS}: {cached_rate:,.0f} decisions/s through the cache, "
            f"{uncached_rate:,.0f}/s straight from Cedar ({permits:,} permits of {CACHED_DECISIONS:,})",
            flush=True,
        )
    value, base = results.median(cached), results.median(baseline)
    note = (
        f"median of {RUNS} runs of {CACHED_DECISIONS:,} mixed decisions on the demo place (cache cold at start); "
        f"uncached Cedar baseline in the same runs: {base:,.0f}/s, so the cache gives x{value / base:.1f}"
    )
    results.record(
        "decisions_per_s", value, "decisions/s", f">= {TARGET:,.0f}/s", value >= TARGET,
        extra={"note": note, "runs": cached, "uncached_runs": baseline},
    )  # fmt: skip
    results.record(
        "decisions_uncached_per_s", base, "decisions/s", "baseline", True,
        extra={"note": f"median of {RUNS} runs of {UNCACHED_DECISIONS:,} decisions, Cedar evaluating every field"},
    )  # fmt: skip


if __name__ == "__main__":
    main()
