"""File-drop connector: CSV, XLSX, JSON lines and fixed-width exports left in a watched folder.

from joinedup.connectors.files import FileDropConfig, FileDropConnector
connector = FileDropConnector(FileDropConfig.from_connection(system.connection))
for record in connector.read(since=checkpoint):   # streaming; record.problem set on bad rows
    ...
connector.archive_through(last_stored_cursor)     # processed files move to the archive
"""

from joinedup.connectors.files.config import FileDropConfig, FileFormat, FixedField
from joinedup.connectors.files.connector import KIND, FileDropConnector, parse_cursor
from joinedup.connectors.files.drift import SchemaDriftError
from joinedup.connectors.files.folder import DropFolder
from joinedup.connectors.files.outbox import change_file_name

__all__ = [
    "KIND",
    "DropFolder",
    "FileDropConfig",
    "FileDropConnector",
    "FileFormat",
    "FixedField",
    "SchemaDriftError",
    "change_file_name",
    "parse_cursor",
]
