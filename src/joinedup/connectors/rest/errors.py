"""What can go wrong talking to a REST API, as exceptions a caller can tell apart.

Messages name the system's URL path, HTTP status and counts only: never a record's content, a secret or
a token, so they are safe to log.
"""

from __future__ import annotations

from joinedup.connectors.base import ConnectorError


class RestConnectorError(ConnectorError):
    """Base class for every error raised by the REST connector (a ConnectorError, as sync expects)."""


class RestConfigError(RestConnectorError, ValueError):
    """The connection settings are incomplete or inconsistent (raised before any request is made)."""


class RestAuthError(RestConnectorError):
    """The system refused our credentials: a bad API key, or client credentials the token endpoint rejects."""


class RestUnavailableError(RestConnectorError):
    """The system did not answer usefully within the retry budget (timeouts, 5xx, rate limits)."""


class RestProtocolError(RestConnectorError):
    """The system answered, but not in the shape the configuration says it would (e.g. no items list)."""
