"""Agreements compiled into Cedar policies: one ``permit`` per (agreement, share, purpose).

Cedar denies by default, so a field is disclosed only when some policy generated from an agreement in force
permits it. Each policy's position in the list names the grant it came from, which is how a decision gives
its reasons (agreement and version, lawful basis, consent rule).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from joinedup.place import Agreement, ConsentRule, Place, Purpose, Share


@dataclass(frozen=True, slots=True)
class Grant:
    """What one policy stands for: a share of an agreement, for one purpose."""

    agreement: Agreement
    share: Share
    purpose: Purpose

    @property
    def lawful_basis(self) -> str:
        basis = self.agreement.lawful_basis
        parts = [f"UK GDPR Art 6(1) {basis.article_6.value}"]
        if basis.article_9 is not None:
            parts.append(f"Art 9(2) {basis.article_9.value}")
        if basis.dpa_2018_schedule_1:
            parts.append(f"DPA 2018 Sch 1 {basis.dpa_2018_schedule_1}")
        if self.purpose.legal_power or self.agreement.legal_power:
            parts.append(f"legal power: {self.purpose.legal_power or self.agreement.legal_power}")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class CompiledPolicies:
    """The Cedar text and the grant behind each policy, for the agreements in force on ``day``."""

    day: dt.date
    text: str
    grants: tuple[Grant, ...]
    lapsed: tuple[str, ...]  # codes of agreements left out because their review date has passed


def in_force(agreement: Agreement, day: dt.date) -> bool:
    """An agreement lapses the day after its review date."""
    return agreement.review_date >= day


def shares_of(agreement: Agreement) -> tuple[Share, ...]:
    """The agreement's shares; without any, every party may receive every field for every purpose."""
    if agreement.shares:
        return agreement.shares
    return (Share(recipients=agreement.parties, fields=agreement.fields),)


def compile_policies(place: Place, day: dt.date) -> CompiledPolicies:
    grants: list[Grant] = []
    policies: list[str] = []
    lapsed = []
    for agreement in place.agreements:
        if not in_force(agreement, day):
            lapsed.append(agreement.code)
            continue
        for share in shares_of(agreement):
            for purpose in agreement.purposes:
                if share.purposes and purpose.code not in share.purposes:
                    continue
                grants.append(Grant(agreement, share, purpose))
                policies.append(_policy(agreement, share, purpose))
    return CompiledPolicies(day, "\n".join(policies), tuple(grants), tuple(lapsed))


def _set(values: tuple[str, ...]) -> str:
    return json.dumps(list(values))


def _policy(agreement: Agreement, share: Share, purpose: Purpose) -> str:
    providers = share.providers or agreement.parties
    conditions = [
        f"{_set(share.recipients)}.contains(context.organisation)",
        f"context.purpose == {json.dumps(purpose.code)}",
        f'(context.holder == "" || {_set(providers)}.contains(context.holder))',
        f"context.paths.containsAny({_set(share.fields)})",
    ]
    if share.roles:
        conditions.insert(1, f"{_set(share.roles)}.contains(context.role)")
    if purpose.consent is ConsentRule.REQUIRED:
        conditions.append('context.consent == "permit"')
    elif purpose.consent is ConsentRule.RESPECT_OBJECTIONS:
        conditions.append('context.consent != "deny"')
    label = json.dumps(f"{agreement.code}@{agreement.version}/{purpose.code}")
    body = " &&\n  ".join(conditions)
    return f'@id({label})\npermit(principal, action == Action::"disclose", resource)\nwhen {{\n  {body}\n}};'
