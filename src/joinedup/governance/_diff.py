"""What a new version of an agreement changes: the exact (organisation, role, purpose, field) permissions
added and removed, and the terms that changed, so the DPO signs off on facts rather than prose."""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.governance._policies import shares_of
from joinedup.place import Agreement

ANY_ROLE = "*"


@dataclass(frozen=True, slots=True, order=True)
class Permission:
    """One thing an agreement lets happen: ``organisation`` (in ``role``, or any role) receives ``field``
    for ``purpose``."""

    organisation: str
    role: str
    purpose: str
    field: str

    def __str__(self) -> str:
        role = "any role" if self.role == ANY_ROLE else self.role
        return f"{self.organisation} ({role}) may receive {self.field} for {self.purpose}"


@dataclass(frozen=True, slots=True)
class AgreementDiff:
    code: str
    old_version: str | None
    new_version: str | None
    added: tuple[Permission, ...]
    removed: tuple[Permission, ...]
    changed_terms: tuple[str, ...]

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed_terms)


def permissions_of(agreement: Agreement | None) -> frozenset[Permission]:
    if agreement is None:
        return frozenset()
    found: set[Permission] = set()
    for share in shares_of(agreement):
        purposes = share.purposes or tuple(p.code for p in agreement.purposes)
        for organisation in share.recipients:
            for role in share.roles or (ANY_ROLE,):
                for purpose in purposes:
                    found.update(Permission(organisation, role, purpose, field) for field in share.fields)
    return frozenset(found)


_TERMS = ("title", "parties", "lawful_basis", "legal_power", "retention", "review_date", "signatories")


def diff_agreements(old: Agreement | None, new: Agreement | None) -> AgreementDiff:
    """The difference between two versions of one agreement (either may be None: added or withdrawn)."""
    if old is None and new is None:
        raise ValueError("diff_agreements needs at least one agreement")
    code = (new or old).code  # type: ignore[union-attr]
    before, after = permissions_of(old), permissions_of(new)
    changed: list[str] = []
    if old is not None and new is not None:
        for term in _TERMS:
            was, now = getattr(old, term), getattr(new, term)
            if was != now:
                changed.append(f"{term} changed")
        old_purposes = {p.code: p for p in old.purposes}
        for purpose in new.purposes:
            if purpose.code in old_purposes and old_purposes[purpose.code] != purpose:
                changed.append(f"purpose {purpose.code} changed (consent rule, legal power or wording)")
    return AgreementDiff(
        code,
        old.version if old else None,
        new.version if new else None,
        tuple(sorted(after - before)),
        tuple(sorted(before - after)),
        tuple(changed),
    )


def diff_places(old: tuple[Agreement, ...], new: tuple[Agreement, ...]) -> list[AgreementDiff]:
    """Agreement by agreement (matched on code), every one that differs between two place files."""
    olds, news = {a.code: a for a in old}, {a.code: a for a in new}
    diffs = [diff_agreements(olds.get(code), news.get(code)) for code in sorted(olds.keys() | news.keys())]
    return [d for d in diffs if not d.unchanged]
