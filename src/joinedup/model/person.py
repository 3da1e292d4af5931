"""The canonical person: what every source system's record of a resident is mapped into."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .address import Address
from .identifiers import NhsNumber, NiNumber


class Sex(StrEnum):
    """Administrative sex as the sources record it (FHIR administrative-gender codes)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class NameUse(StrEnum):
    """Why a name is held (FHIR name-use codes); linkage searches all of them."""

    USUAL = "usual"
    OFFICIAL = "official"
    MAIDEN = "maiden"
    PREVIOUS = "old"
    NICKNAME = "nickname"
    ALIAS = "anonymous"


class PersonName(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    use: NameUse = NameUse.USUAL
    title: str | None = None
    given: str | None = None
    middle: tuple[str, ...] = ()
    family: str | None = None

    @model_validator(mode="after")
    def _has_a_name(self) -> PersonName:
        if not (self.given or self.family):
            raise ValueError("a name needs a given or a family name")
        return self


class ContactSystem(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    SMS = "sms"
    OTHER = "other"


class ContactPoint(BaseModel):
    """A phone number (E.164 where it parses) or an email address."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: ContactSystem
    value: str = Field(min_length=1)
    use: str | None = Field(default=None, description="home, work, mobile")

    @model_validator(mode="after")
    def _email_looks_like_one(self) -> ContactPoint:
        if self.system is ContactSystem.EMAIL and "@" not in self.value:
            raise ValueError("an email contact point needs an '@'")
        return self


class Person(BaseModel):
    """One system's view of one resident, in canonical terms. Every field is optional but the name,
    because sources hold very different subsets."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: PersonName
    other_names: tuple[PersonName, ...] = Field(default=(), description="Previous, maiden and alias names")
    date_of_birth: date | None = None
    date_of_death: date | None = None
    sex: Sex | None = None
    nhs_number: NhsNumber | None = None
    ni_number: NiNumber | None = None
    contact_points: tuple[ContactPoint, ...] = ()
    address: Address | None = None
    previous_addresses: tuple[Address, ...] = ()

    @model_validator(mode="after")
    def _dates_in_order(self) -> Person:
        if self.date_of_birth and self.date_of_death and self.date_of_death < self.date_of_birth:
            raise ValueError("date_of_death is before date_of_birth")
        return self


__all__ = ["ContactPoint", "ContactSystem", "NameUse", "Person", "PersonName", "Sex"]
