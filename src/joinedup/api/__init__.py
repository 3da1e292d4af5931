"""The HTTP API: an app factory, a server entry point, and the authenticated principal type."""

from .app import create_app, run
from .auth import Principal
from .dev_users import DEV_USERS, DevUser

__all__ = ["DEV_USERS", "DevUser", "Principal", "create_app", "run"]
