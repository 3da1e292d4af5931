"""The REST/JSON API connector: paginated and incremental reads, idempotent conditional writes, health.

    from joinedup.connectors.rest import RestConnector
    connector = RestConnector.from_connection(place.systems[0].connection)   # the place file's dict
    for record in connector.read(since=saved_cursor): ...

See docs/connectors/rest.md for every setting.
"""

from joinedup.connectors.rest._shape import RestSchemaDriftError
from joinedup.connectors.rest.config import (
    ApiKeyAuth,
    OAuth2ClientCredentials,
    Pagination,
    RestConfig,
    Retries,
    Timeouts,
    WriteSettings,
)
from joinedup.connectors.rest.connector import RestConnector
from joinedup.connectors.rest.errors import (
    RestAuthError,
    RestConfigError,
    RestConnectorError,
    RestProtocolError,
    RestUnavailableError,
)

__all__ = [
    "ApiKeyAuth",
    "OAuth2ClientCredentials",
    "Pagination",
    "RestAuthError",
    "RestConfig",
    "RestConfigError",
    "RestConnector",
    "RestConnectorError",
    "RestProtocolError",
    "RestSchemaDriftError",
    "RestUnavailableError",
    "Retries",
    "Timeouts",
    "WriteSettings",
]
