"""Opening the right connector for a system from its place-file entry.

The place file never holds secrets: connection values may be ``${NAME}`` references, resolved here from the
environment given (normally ``os.environ``, passed in by the entry point). Each kind is imported only when
used, so a place without screen sources never needs the browser extra.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .base import Connector, ConnectorError

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
KINDS = ("api", "file", "sql", "screen")


def resolve_references(value: Any, environ: Mapping[str, str]) -> Any:
    """``value`` with every ``${NAME}`` replaced from ``environ``; a missing name is an error that names it."""
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in environ:
                raise ConnectorError(f"the environment variable {name} named in the place file is not set")
            return environ[name]

        return _REFERENCE.sub(substitute, value)
    if isinstance(value, Mapping):
        return {key: resolve_references(item, environ) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [resolve_references(item, environ) for item in value]
    return value


def open_connector(kind: str, connection: Mapping[str, Any], environ: Mapping[str, str]) -> Connector:
    """A connector of ``kind`` (api, file, sql, screen) configured by a system's ``connection`` mapping."""
    settings = resolve_references(dict(connection), environ)
    if kind == "file":
        from .files import FileDropConfig, FileDropConnector

        return FileDropConnector(FileDropConfig.from_connection(settings))
    if kind == "api":
        from .rest import RestConnector

        return RestConnector.from_connection(settings)
    if kind == "sql":
        from .sql import SqlConnector, SqlConnectorConfig

        return SqlConnector(SqlConnectorConfig.from_connection(settings))
    if kind == "screen":
        from .screen import ScreenConfig, ScreenConnector

        return ScreenConnector(ScreenConfig.from_connection(settings))
    raise ConnectorError(f"unknown connector kind '{kind}': use one of {', '.join(KINDS)}")
