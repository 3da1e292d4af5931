"""Properties and addresses, keyed by the UPRN where it is known."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .identifiers import Postcode, Uprn, Usrn


class Coordinates(BaseModel):
    """A point on the British National Grid (metres), and WGS84 when the source gives it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    easting: float | None = Field(default=None, ge=0, le=800_000)
    northing: float | None = Field(default=None, ge=0, le=1_400_000)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class Address(BaseModel):
    """A postal address in BS7666 terms: secondary and primary addressable objects on a street.

    ``lines`` keep the address as the source wrote it, for sources that never split it into elements.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    uprn: Uprn | None = None
    usrn: Usrn | None = None
    sao: str | None = Field(default=None, description="Secondary addressable object, e.g. 'Flat 2'")
    pao: str | None = Field(default=None, description="Primary addressable object, e.g. '14' or 'Rose Cottage'")
    street: str | None = None
    locality: str | None = None
    town: str | None = None
    postcode: Postcode | None = None
    lines: tuple[str, ...] = Field(default=(), description="Free-text address lines as received")
    coordinates: Coordinates | None = None

    def display_lines(self) -> tuple[str, ...]:
        """The address as lines a person would write on an envelope."""
        if self.lines:
            return self.lines
        first = " ".join(part for part in (self.pao, self.street) if part)
        candidates = (self.sao, first, self.locality, self.town, self.postcode)
        return tuple(part for part in candidates if part)


class Property(BaseModel):
    """A place where people live or a service is delivered, identified by its UPRN."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    uprn: Uprn
    address: Address
    classification: str | None = Field(default=None, description="AddressBase class code, e.g. 'RD04'")
