"""The REST connector's settings: a typed object built from a place file's ``systems[].connection`` dict.

Everything that differs between one API and another (paths, pagination style, where the items, ids and
timestamps are, how to authenticate, how patient to be) is configuration here, not code. Values written as
``${NAME}`` are read from the environment when the object is built, so secrets never sit in the place file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from joinedup.connectors.rest.errors import RestConfigError

_ENV_REF = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApiKeyAuth(_Settings):
    """A static key sent in a request header on every call."""

    type: Literal["api-key"] = "api-key"
    header: str = "X-API-Key"
    key: SecretStr


class OAuth2ClientCredentials(_Settings):
    """OAuth 2.0 client credentials grant (RFC 6749 section 4.4): a bearer token from a token endpoint."""

    type: Literal["oauth2-client-credentials"] = "oauth2-client-credentials"
    token_url: str  # absolute, or relative to base_url
    client_id: str
    client_secret: SecretStr
    scope: str | None = None
    client_auth: Literal["basic", "body"] = "basic"  # HTTP Basic is the method RFC 6749 requires servers to offer


Auth = Annotated[ApiKeyAuth | OAuth2ClientCredentials, Field(discriminator="type")]


class Pagination(_Settings):
    """How the API splits a long list: page numbers, a cursor in the body, an RFC 8288 Link header, or not at all."""

    style: Literal["page", "cursor", "link", "none"] = "page"
    per_page: int = Field(default=100, ge=1)
    per_page_param: str | None = "per_page"  # None: do not ask for a page size
    page_param: str = "page"
    first_page: int = 1
    cursor_field: str = "next_cursor"  # dotted path in the body
    cursor_param: str = "cursor"


class Timeouts(_Settings):
    connect: float = Field(default=5.0, gt=0)
    read: float = Field(default=30.0, gt=0)


class Retries(_Settings):
    """Bounded patience: how many attempts in all, and how long to back off between them."""

    attempts: int = Field(default=4, ge=1)  # in all, the first try included
    backoff_seconds: float = Field(default=0.5, ge=0)  # base of the exponential backoff (full jitter)
    backoff_max_seconds: float = Field(default=10.0, ge=0)
    max_retry_after_seconds: float = Field(default=120.0, ge=0)  # a longer Retry-After is an outage, not a pause


class WriteSettings(_Settings):
    method: Literal["PATCH", "PUT"] = "PATCH"  # PUT sends the whole record: the current copy merged with the change
    # How many requests of a batch are sent side by side (over kept-alive connections): single writes, or bulk
    # requests when the API offers them.
    concurrency: int = Field(default=8, ge=1, le=64)
    # The API's bulk write endpoint, if it has one: a POST carrying many changes, each with its own idempotency key
    # and version guard, answered item by item (see docs/connectors/rest.md). None: one request per change.
    batch_path: str | None = None
    max_batch: int = Field(default=100, ge=1, le=1000)  # changes per bulk request, as the API allows

    @model_validator(mode="after")
    def _bulk_writes_patch(self) -> WriteSettings:
        if self.batch_path is not None and self.method != "PATCH":
            # A bulk item carries only the changed fields; a PUT would need each whole record fetched first.
            raise ValueError("a bulk write endpoint (batch_path) sends changed fields only: method must be PATCH")
        return self


class RestConfig(_Settings):
    """Everything the REST connector needs to know about one system's API."""

    base_url: str
    records_path: str = "/records"
    record_path: str | None = None  # template with {id}; default records_path + "/{id}"
    health_path: str | None = None  # None: health() makes a one-item list request instead
    items_field: str = "items"  # dotted path to the list in a page's body; "" when the body is the list
    id_field: str = "id"
    # The fields every record carries (and optional_fields, which it may leave out): any other field, or one
    # of these missing, is schema drift and stops the source. None: the first record of each read sets them.
    fields: tuple[str, ...] | None = None
    optional_fields: tuple[str, ...] = ()
    updated_field: str | None = None  # set it to allow incremental reads
    updated_format: str | None = None  # strftime pattern of updated_field; None: ISO 8601
    updated_since_param: str | None = "updated_since"  # None: the API cannot filter, the connector does
    sorted_by_updated: bool = True  # the API lists in (updated, id) order, so every record can carry a cursor
    pagination: Pagination = Pagination()
    auth: Auth | None = None
    timeouts: Timeouts = Timeouts()
    retries: Retries = Retries()
    write: WriteSettings = WriteSettings()

    @model_validator(mode="before")
    @classmethod
    def _shorthand_api_key(cls, data: Any) -> Any:
        """Accept ``api_key`` (and ``api_key_header``) at the top level, as place files often write it."""
        if not isinstance(data, Mapping) or "api_key" not in data:
            return data
        values = dict(data)
        if values.get("auth") is not None:
            raise ValueError("give either api_key or auth, not both")
        key = values.pop("api_key")
        header = values.pop("api_key_header", "X-API-Key")
        values["auth"] = {"type": "api-key", "header": header, "key": key}
        return values

    def record_url_path(self, record_id: str) -> str:
        template = self.record_path or self.records_path.rstrip("/") + "/{id}"
        return template.replace("{id}", quote(record_id, safe=""))

    @classmethod
    def from_connection(cls, connection: Mapping[str, Any], env: Mapping[str, str] | None = None) -> RestConfig:
        """Build from a place file's connection dict, filling ``${NAME}`` from ``env`` (default: the environment)."""
        resolved = _resolve_env(dict(connection), os.environ if env is None else env, "connection")
        try:
            return cls.model_validate(resolved)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in issue['loc']) or 'connection'}: {issue['msg']}"
                for issue in error.errors(include_input=False)
            )
            raise RestConfigError(f"the REST connection settings are not usable: {problems}") from None


def _resolve_env(value: Any, env: Mapping[str, str], where: str) -> Any:
    if isinstance(value, str):

        def lookup(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise RestConfigError(f"{where} refers to environment variable {name}, which is not set")
            return env[name]

        return _ENV_REF.sub(lookup, value)
    if isinstance(value, Mapping):
        return {key: _resolve_env(item, env, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve_env(item, env, f"{where}[{index}]") for index, item in enumerate(value)]
    return value
