"""Linkage's own error: says what is wrong and where, never quoting a personal value."""

from __future__ import annotations


class LinkageError(ValueError):
    """Input or a model that linkage cannot work with (a missing column, a model file of the wrong kind)."""
