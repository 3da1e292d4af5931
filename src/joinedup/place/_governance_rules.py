"""Rules about the governance sections that read the plain file data (so the loader reports them with lines
even in a file with other problems): special category data needs an Article 9 condition, and a Schedule 1
condition where Article 9 asks for one; shares and signatories name the agreement's own parties, purposes and
fields; overriding consent names the law that allows it; people act only in their organisation's roles; a
subscription's deliveries can be permitted under its agreement (the receiving system's organisation is a party
and a recipient).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from joinedup.place._governance import SYSTEM_ROLE, ConsentRule, _slug, is_special_category
from joinedup.place._paths import Loc, format_loc

# Art 9(2)(b), (g), (h), (i) and (j) are only available with a condition of DPA 2018 Schedule 1 (s10).
_NEEDS_SCHEDULE_1 = frozenset(
    {
        "employment-and-social-protection", "substantial-public-interest", "health-and-social-care",
        "public-health", "archiving-and-research",
    }
)  # fmt: skip


def agreement_problems(data: Mapping[object, object]) -> Iterator[tuple[Loc, str]]:
    """Rules about agreements that read the plain file data: special category data needs an Art 9 condition
    (and a Schedule 1 condition where Art 9 asks for one); shares name parties, purposes and fields the
    agreement declares; overriding consent names the law that allows it; people's roles are declared; a
    subscription's agreement lets the receiving system's organisation receive."""
    for i, org in _items(data, "organisations"):
        roles = _list(org.get("roles"))
        for j, person in _items(org, "people"):
            for k, role in enumerate(_list(person.get("roles"))):
                if isinstance(role, str) and role not in roles:
                    where: Loc = ("organisations", i, "people", j, "roles", k)
                    yield where, f"{format_loc(where)} names role '{role}', which {_label(org, i)} does not list."
    for i, agreement in _items(data, "agreements"):
        name = _label(agreement, i, "agreements")
        raw_basis = agreement.get("lawful_basis")
        basis: Mapping[str, object] = raw_basis if isinstance(raw_basis, Mapping) else {}
        special = [f for f in _list(agreement.get("fields")) if isinstance(f, str) and is_special_category(f)]
        article_9 = basis.get("article_9")
        if special and not article_9:
            yield (
                ("agreements", i, "fields", _list(agreement.get("fields")).index(special[0])),
                f"{name} shares special category data ('{special[0]}') but its lawful basis names no Article 9 "
                "condition; add lawful_basis.article_9.",
            )
        if special and article_9 in _NEEDS_SCHEDULE_1 and not basis.get("dpa_2018_schedule_1"):
            yield (
                ("agreements", i, "lawful_basis", "article_9"),
                f"{name} shares special category data under Article 9 condition '{article_9}', which needs a DPA 2018 "
                "Schedule 1 condition; add lawful_basis.dpa_2018_schedule_1.",
            )
        yield from _purpose_problems(agreement, i, name)
        yield from _share_problems(agreement, i, name)
    yield from subscription_problems(data)


def _purpose_problems(agreement: Mapping[str, object], i: int, name: str) -> Iterator[tuple[Loc, str]]:
    for j, purpose in _items(agreement, "purposes"):
        if purpose.get("consent") == ConsentRule.OVERRIDE.value and not purpose.get("without_consent"):
            where: Loc = ("agreements", i, "purposes", j, "consent")
            yield (
                where,
                (
                    f"{name} lets purpose '{purpose.get('code')}' share without consent but does not say which law "
                    "allows it; add without_consent, e.g. 'DPA 2018 Schedule 1 paragraph 18'."
                ),
            )


def _share_problems(agreement: Mapping[str, object], i: int, name: str) -> Iterator[tuple[Loc, str]]:
    parties = {p for p in _list(agreement.get("parties")) if isinstance(p, str)}
    purposes = {p.get("code") for _, p in _items(agreement, "purposes")} | {
        _slug(p) for p in _list(agreement.get("purposes")) if isinstance(p, str)
    }
    fields = {f for f in _list(agreement.get("fields")) if isinstance(f, str)}
    for j, signatory in _items(agreement, "signatories"):
        code = signatory.get("organisation")
        if isinstance(code, str) and code not in parties:
            yield (
                ("agreements", i, "signatories", j, "organisation"),
                f"{name} has a signatory for '{code}', which is not one of its parties.",
            )
    for j, share in _items(agreement, "shares"):
        for key in ("providers", "recipients"):
            for k, code in enumerate(_list(share.get(key))):
                if isinstance(code, str) and code not in parties:
                    yield (
                        ("agreements", i, "shares", j, key, k),
                        f"{name} names '{code}' in shares[{j}].{key}, which is not one of its parties.",
                    )
        for k, code in enumerate(_list(share.get("purposes"))):
            if isinstance(code, str) and code not in purposes:
                yield ("agreements", i, "shares", j, "purposes", k), f"{name} has no purpose '{code}'."
        for k, field in enumerate(_list(share.get("fields"))):
            if isinstance(field, str) and not any(field == f or field.startswith(f + ".") for f in fields):
                yield (
                    ("agreements", i, "shares", j, "fields", k),
                    f"{name} shares field '{field}', which is not among the agreement's fields.",
                )


def _items(data: Mapping[Any, object], key: str) -> list[tuple[int, Mapping[str, object]]]:
    return [(i, item) for i, item in enumerate(_list(data.get(key))) if isinstance(item, Mapping)]


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


def _label(entry: Mapping[str, object], index: int, section: str = "organisations") -> str:
    code = entry.get("code")
    label = format_loc((section, index))
    return f"{label} '{code}'" if isinstance(code, str) else label


def subscription_problems(data: Mapping[object, object]) -> Iterator[tuple[Loc, str]]:
    """A subscription's deliveries are decided under its agreement: the receiving system's organisation must be
    one of the agreement's parties, and one of its shares must let that organisation's systems receive (as a
    recipient, with role 'records-system' where the share lists roles)."""
    organisation_of = {s.get("code"): s.get("organisation") for _, s in _items(data, "systems")}
    agreements = {a.get("code"): a for _, a in _items(data, "agreements")}
    for i, subscription in _items(data, "subscriptions"):
        agreement = agreements.get(subscription.get("agreement"))
        organisation = organisation_of.get(subscription.get("system"))
        if agreement is None or not isinstance(organisation, str):
            continue  # an undeclared agreement or system is reported by the cross-reference rules
        where: Loc = ("subscriptions", i, "agreement")
        named = f"{format_loc(('subscriptions', i))} ({subscription.get('system')})"
        if organisation not in _list(agreement.get("parties")):
            yield (
                where,
                (
                    f"{named} is delivered under agreement '{agreement.get('code')}', but the system's organisation "
                    f"'{organisation}' is not one of its parties."
                ),
            )
            continue
        shares = _items(agreement, "shares")
        receives = not shares or any(
            organisation in _list(share.get("recipients"))
            and (not _list(share.get("roles")) or SYSTEM_ROLE in _list(share.get("roles")))
            for _, share in shares
        )
        if not receives:
            yield (
                where,
                (
                    f"{named} is delivered under agreement '{agreement.get('code')}', but none of its shares lets "
                    f"{organisation}'s systems receive: add a share with {organisation} among its recipients (and role "
                    f"'{SYSTEM_ROLE}' if it lists roles)."
                ),
            )
