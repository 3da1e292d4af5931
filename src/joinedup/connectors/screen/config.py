"""The screen connector's configuration: every URL, selector and label lives here, none in code.

Built from a place file's ``systems[].connection`` dict (secrets already resolved from the environment by the
caller). Selectors for single elements are Playwright selectors (CSS, ``text=``, ``:has-text()``...); the
selectors read in bulk on every page (list rows, detail rows and what is inside them) are plain CSS, run in the
page itself, which is several times faster. URLs may be relative to ``base_url``. A sketch::

    base_url: http://cases.example/
    username: ...            # resolved from ${ENV_VAR} by the caller
    password: ...
    login:  {url: Login.asp, username_selector: "input[name=txtUserName]", password_selector: ...,
             submit_selector: ..., logged_in_selector: "a:has-text('Log out')", error_selector: "b.err"}
    list:   {url: CaseList.asp, row_selector: "table.grid tr:has(td)", next_selector: "a:has-text('Next >')",
             modified_column: "Last modified"}
    detail: {id_field: cs_id, fields: {"Reference": cs_id, "Surname": surname, ...}}
    search: {url: Search.asp, reference_selector: "input[name=Ref]", submit_selector: "input[value=Find]"}
    edit:   {link_selector: "a:has-text('Edit')", submit_selector: "input[value=Save]",
             fields: {addr_line1: "input[name=txtAddr1]", ...}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from joinedup.connectors.screen.errors import ScreenConfigError

DEFAULT_BROWSER_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",  # otherwise Chromium keeps calling hosts that do not exist here
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LoginScreen(_Section):
    url: str
    username_selector: str
    password_selector: str
    submit_selector: str
    logged_in_selector: str  # something only a logged-in page shows (a "Log out" link)
    error_selector: str | None = None  # where the application writes "invalid password"; its text is reported


class ListScreen(_Section):
    url: str
    row_selector: str  # CSS: one match per record row (header rows excluded)
    link_selector: str = "a"  # CSS, inside a row: the link to the record's detail page
    next_selector: str  # the "Next >" link; paging stops when it matches nothing
    modified_column: str | None = None  # header text of a "Last modified" column, if the list has one
    modified_format: str = "%d/%m/%Y %H:%M:%S"
    max_pages: int = Field(default=100_000, ge=1)


class DetailScreen(_Section):
    row_selector: str = "tr:has(th):has(td)"  # CSS: rows holding a label cell and a value cell
    label_selector: str = "th"  # CSS, inside a row
    value_selector: str = "td"  # CSS, inside a row
    id_field: str  # the native field that is the record's id
    fields: dict[str, str]  # label on screen -> native field name
    optional_labels: frozenset[str] = frozenset()  # labels a record may lack without it being an error

    @model_validator(mode="after")
    def _id_is_read(self) -> DetailScreen:
        if self.id_field not in self.fields.values():
            raise ValueError(f"id_field {self.id_field!r} is not one of the fields read from the detail page")
        return self


class SearchScreen(_Section):
    """How to find one record's detail page by its id (used by write)."""

    url: str
    reference_selector: str
    submit_selector: str
    result_link_selector: str = "table a"  # the link to the detail page among the results


class EditScreen(_Section):
    link_selector: str  # on the detail page: the link to the edit form
    submit_selector: str
    fields: dict[str, str]  # native field name -> input selector
    version_selector: str | None = None  # element showing the record's version/last-modified, for expected_version


class ScreenConfig(_Section):
    base_url: str = ""
    username: str
    password: SecretStr
    login: LoginScreen
    list: ListScreen
    detail: DetailScreen
    search: SearchScreen | None = None
    edit: EditScreen | None = None
    timeout_seconds: float = Field(default=15.0, gt=0)  # per page action and navigation
    health_timeout_seconds: float = Field(default=5.0, gt=0)
    timezone: str = "Europe/London"  # the zone the application shows its times in
    browser_executable: str = "/usr/bin/chromium"
    browser_args: tuple[str, ...] = DEFAULT_BROWSER_ARGS
    headless: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @model_validator(mode="after")
    def _edit_needs_search(self) -> ScreenConfig:
        if self.edit is not None and self.search is None:
            raise ValueError("edit needs a search section: write finds the record by its id")
        return self

    @classmethod
    def from_connection(cls, connection: Mapping[str, Any]) -> ScreenConfig:
        try:
            return cls.model_validate(dict(connection))
        except ValidationError as error:  # pydantic's own message quotes input values, the password among them
            problems = "; ".join(
                f"{'.'.join(str(part) for part in problem['loc']) or 'connection'}: {problem['msg']}"
                for problem in error.errors(include_input=False, include_url=False)
            )
            raise ScreenConfigError(f"screen connection settings: {problems}") from None

    def absolute(self, url: str) -> str:
        return urljoin(self.base_url, url)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def can_write(self) -> bool:
        return self.edit is not None and self.search is not None

    @property
    def can_read_changes(self) -> bool:
        return self.list.modified_column is not None
