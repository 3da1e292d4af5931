"""The drop folder: which files are complete and ready to read, and archiving the ones that have been processed.

A file is only ever read once its writer has finished with it. Two rules, chosen per source:

* ``marker``: the writer leaves ``<name><marker_suffix>`` (e.g. ``accounts.csv.done``) after the file is
  complete, so the file is ready exactly when its marker exists;
* ``settle``: the file has not been modified for ``settle_seconds``; a writer that pauses for longer than
  that would be read early, so prefer markers where the supplier can leave them.

Writers that write under a temporary name and rename when done are safe under either rule as long as the
temporary name does not match the source's pattern (names starting with "." and ending ".tmp" or ".part"
never do). Files are taken in name order, which is why exports carry sortable timestamps in their names.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import Path

from joinedup.connectors.base import ConnectorError
from joinedup.connectors.files.config import FileDropConfig

_TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial")


class DropFolder:
    def __init__(self, config: FileDropConfig, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._clock = clock

    @property
    def directory(self) -> Path:
        return self._config.directory

    def _candidates(self) -> list[Path]:
        config = self._config
        found = []
        if not config.directory.is_dir():
            raise ConnectorError(f"the drop folder {config.directory} is missing or not a folder")
        with os.scandir(config.directory) as entries:
            for entry in entries:
                name = entry.name
                if (
                    name.startswith(".")
                    or name.endswith(_TEMPORARY_SUFFIXES)
                    or name.endswith(config.marker_suffix)
                    or not fnmatchcase(name, config.pattern)
                    or not entry.is_file(follow_symlinks=False)
                ):
                    continue
                found.append(Path(entry.path))
        return sorted(found, key=lambda path: path.name)

    def marker_for(self, path: Path) -> Path:
        return path.with_name(path.name + self._config.marker_suffix)

    def is_ready(self, path: Path) -> bool:
        if self._config.ready == "marker":
            return self.marker_for(path).is_file()
        age = self._clock() - path.stat().st_mtime
        return age >= self._config.settle_seconds

    def ready_files(self) -> list[Path]:
        """Complete files waiting in the folder, in name order."""
        return [path for path in self._candidates() if self.is_ready(path)]

    def waiting_files(self) -> list[Path]:
        """Files still being written (or whose writer never finished), in name order."""
        return [path for path in self._candidates() if not self.is_ready(path)]

    def archive_through(self, last_name: str, *, inclusive: bool = True) -> list[str]:
        """Move every complete file named up to ``last_name`` (and its marker) to the archive; ``last_name``
        itself too when ``inclusive``.

        Call it only once everything read from those files is safely stored: archiving is what makes a
        file "picked up", and an archived file is never read again.
        """
        archive = self._config.archive_path
        archive.mkdir(parents=True, exist_ok=True)
        moved = []
        for path in self.ready_files():
            if path.name > last_name or (path.name == last_name and not inclusive):
                break
            marker = self.marker_for(path)
            target = _free_name(archive / path.name)
            shutil.move(path, target)
            if marker.exists():
                shutil.move(marker, target.with_name(target.name + self._config.marker_suffix))
            moved.append(path.name)
        return moved

    def problem(self) -> str | None:
        """Why the folder cannot be used right now, or None when it can."""
        directory = self._config.directory
        if not directory.is_dir():
            return "the drop folder is missing or not a folder"
        if not os.access(directory, os.R_OK | os.W_OK | os.X_OK):
            return "the drop folder cannot be read and written"
        outbox = self._config.outbox_directory
        if outbox is not None and not (outbox.is_dir() and os.access(outbox, os.W_OK | os.X_OK)):
            return "the outbox folder is missing or cannot be written"
        return None


def _free_name(target: Path) -> Path:
    """An archive path that overwrites nothing: a re-delivered name gets a numbered suffix."""
    if not target.exists():
        return target
    for number in range(1, 10_000):
        candidate = target.with_name(f"{target.name}.{number}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(f"no free archive name for {target.name}")
