"""The place file's governance sections: organisations with their people and roles, and information sharing
agreements (parties, purposes, lawful basis, what is shared with whom, retention, review, signatories).

Like ``_subscriptions`` and ``_survivorship`` this module imports neither ``_models`` (which imports it) nor
``_rules``, and takes the shared formats from ``_formats``. The rules that look across agreements are in
``_governance_rules``, which ``_rules`` calls.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from joinedup.place._formats import Code, FieldPath, Text, matching

OdsCode = Annotated[
    str,
    matching(r"[A-Z0-9]{3,6}", "should be an NHS ODS code of 3 to 6 capital letters and digits, like 'A81001'"),
]
IcoRegistration = Annotated[
    str,
    matching(r"Z[A-Z0-9][0-9]{6}", "should be an ICO registration number like 'Z1234567' or 'ZA123456'"),
]
RetentionPeriod = Annotated[
    str,
    matching(
        r"[1-9][0-9]* (?:day|week|month|year)s?",
        "should be a period like '90 days', '18 months' or '7 years'",
    ),
]

KNOWN_TO = "known_to"
"""The field that stands for "does this organisation know the resident, and whom to contact": no record data."""

SYSTEM_ROLE = "records-system"
"""The role a registered system acts in when it receives data (a tell-us-once delivery), for its organisation.
A share that lists roles lets systems receive only when it lists this one; organisations need not declare it."""

_SPECIAL_WORDS = frozenset(
    {
        "health", "ethnicity", "race", "religion", "beliefs", "sexual_orientation", "sex_life", "genetic",
        "biometric", "political_opinions", "trade_union",
    }
)  # fmt: skip


def is_special_category(field: str) -> bool:
    """True for a field of UK GDPR Art 9 special category data: any part of its name is a special word
    (``health``, ``ethnicity``, ``religion``...), or starts with ``health`` (``health_summary``)."""
    return any(part in _SPECIAL_WORDS or part.startswith("health") for part in field.split("."))


class OrganisationType(StrEnum):
    """What kind of body an organisation is."""

    LOCAL_AUTHORITY = "local-authority"
    NHS_TRUST = "nhs-trust"
    ICB = "icb"
    GP_PRACTICE = "gp-practice"
    PRIMARY_CARE_NETWORK = "primary-care-network"
    POLICE = "police"
    SCHOOL = "school"
    ACADEMY_TRUST = "academy-trust"
    HOUSING_ASSOCIATION = "housing-association"
    VOLUNTARY_SECTOR = "voluntary-sector"
    OTHER = "other"


class Article6Basis(StrEnum):
    """UK GDPR Article 6(1) lawful bases, (a) to (f)."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal-obligation"
    VITAL_INTERESTS = "vital-interests"
    PUBLIC_TASK = "public-task"
    LEGITIMATE_INTERESTS = "legitimate-interests"


class Article9Condition(StrEnum):
    """UK GDPR Article 9(2) conditions for special category data, (a) to (j)."""

    EXPLICIT_CONSENT = "explicit-consent"
    EMPLOYMENT_AND_SOCIAL_PROTECTION = "employment-and-social-protection"
    VITAL_INTERESTS = "vital-interests"
    NOT_FOR_PROFIT_BODY = "not-for-profit-body"
    MADE_PUBLIC = "made-public"
    LEGAL_CLAIMS = "legal-claims"
    SUBSTANTIAL_PUBLIC_INTEREST = "substantial-public-interest"
    HEALTH_AND_SOCIAL_CARE = "health-and-social-care"
    PUBLIC_HEALTH = "public-health"
    ARCHIVING_AND_RESEARCH = "archiving-and-research"


class ConsentRule(StrEnum):
    """How a purpose treats the resident's consent and objections."""

    REQUIRED = "required"  # only with an active consent to share that covers the request
    RESPECT_OBJECTIONS = "respect-objections"  # shared unless the resident objected
    NOT_APPLICABLE = "not-applicable"  # consent is not the basis and the right to object does not apply
    OVERRIDE = "override"  # shared even without or against consent, where the law allows (Sch 1 para 18)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StaffMember(_Section):
    """A person who works for an organisation, in one or more of its roles."""

    code: Code
    name: Text
    roles: Annotated[tuple[Code, ...], Field(min_length=1)]
    contact: Text | None = None


class Organisation(_Section):
    """A public-service body (or partner) that takes part in the hub."""

    code: Code
    name: Text
    type: OrganisationType
    ods_code: OdsCode | None = None
    ico_registration: IcoRegistration | None = None
    part_of: Code | None = None
    roles: tuple[Code, ...] = ()
    contact: Text | None = None
    people: tuple[StaffMember, ...] = ()


class LawfulBasis(_Section):
    """The legal grounds for sharing under an agreement."""

    article_6: Article6Basis
    article_9: Article9Condition | None = None
    dpa_2018_schedule_1: Text | None = None


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    slug = "-".join(words)[:63].strip("-")
    return slug if slug and slug[0].isalpha() else f"p-{slug}"[:63]


def _purpose_from_yaml(value: object) -> object:
    # A purpose written as plain words is a purpose with that description and a code made from it.
    return {"code": _slug(value), "description": value} if isinstance(value, str) else value


class Purpose(_Section):
    """Why data is shared under an agreement, and how consent bears on it."""

    code: Code
    description: Text
    legal_power: Text | None = None
    consent: ConsentRule = ConsentRule.RESPECT_OBJECTIONS
    without_consent: Text | None = None
    automated_decision: bool = False


class Share(_Section):
    """Which fields flow from which parties to which parties (and roles), for which purposes."""

    providers: tuple[Code, ...] = ()
    recipients: Annotated[tuple[Code, ...], Field(min_length=1)]
    roles: tuple[Code, ...] = ()
    purposes: tuple[Code, ...] = ()
    fields: Annotated[tuple[FieldPath, ...], Field(min_length=1)]


class Signatory(_Section):
    """Who signed an agreement for a party."""

    organisation: Code
    role: Text
    signed_on: dt.date


class Agreement(_Section):
    """An information sharing agreement between organisations."""

    code: Code
    title: Text
    version: Text
    parties: Annotated[tuple[Code, ...], Field(min_length=2)]
    purposes: Annotated[tuple[Annotated[Purpose, BeforeValidator(_purpose_from_yaml)], ...], Field(min_length=1)]
    lawful_basis: LawfulBasis
    legal_power: Text | None = None
    fields: Annotated[tuple[FieldPath, ...], Field(min_length=1)]
    shares: tuple[Share, ...] = ()
    retention: RetentionPeriod
    review_date: dt.date
    signatories: tuple[Signatory, ...] = ()

    def purpose(self, code: str) -> Purpose:
        """The purpose with this code; KeyError if none."""
        for purpose in self.purposes:
            if purpose.code == code:
                return purpose
        raise KeyError(code)

    @property
    def special_category_fields(self) -> tuple[str, ...]:
        return tuple(f for f in self.fields if is_special_category(f))
