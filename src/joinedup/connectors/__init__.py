"""Connectors: read from and write back to the systems a place runs (REST APIs, file drops, SQL, screens).

Every kind implements :class:`Connector`; :func:`open_connector` builds one from a system's place-file entry.
"""

from .base import (
    Capability,
    Change,
    Connector,
    ConnectorDescription,
    ConnectorError,
    ConnectorLifecycle,
    Health,
    RawRecord,
    SchemaDriftError,
    SourceLocation,
    WriteReceipt,
    WriteResult,
    write_each,
)
from .registry import KINDS, open_connector, resolve_references

__all__ = [
    "KINDS",
    "Capability",
    "Change",
    "Connector",
    "ConnectorDescription",
    "ConnectorError",
    "ConnectorLifecycle",
    "Health",
    "RawRecord",
    "SchemaDriftError",
    "SourceLocation",
    "WriteReceipt",
    "WriteResult",
    "open_connector",
    "resolve_references",
    "write_each",
]
