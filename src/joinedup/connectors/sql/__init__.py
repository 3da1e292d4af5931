"""The SQL database connector: any SQLAlchemy URL, a table, view or read-only SELECT, incremental reads by
an updated-at or sequence column, and write-back of configured columns by id.

    from joinedup.connectors.sql import SqlConnector, SqlConnectorConfig
    connector = SqlConnector(SqlConnectorConfig.from_connection(system.connection))
"""

from joinedup.connectors.sql._config import ChangeTracking, SqlConnectorConfig
from joinedup.connectors.sql._connector import KIND, SqlConnector
from joinedup.connectors.sql._values import CursorError

__all__ = ["KIND", "ChangeTracking", "CursorError", "SqlConnector", "SqlConnectorConfig"]
