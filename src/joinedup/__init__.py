"""joinedup: an open-standards information-sharing hub for the public services of a place."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("joinedup")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
