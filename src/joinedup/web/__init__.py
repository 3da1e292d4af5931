"""The staff dashboard: server-rendered GOV.UK Design System pages, served by the same app as the API.

``mount_dashboard(app, settings)`` serves it under ``/dashboard`` (``joinedup.api.create_app`` does it).
See docs/dashboard.md.
"""

from ._access import MaybeViewer, PageForbidden, PageNotFound, SignInRequired, Viewer
from ._mount import DASHBOARD_PATH, SESSION_COOKIE, dashboard_router, dashboard_url, mount_dashboard
from ._navigation import NAVIGATION, NavItem
from ._rendering import Renderer
from ._session import CSRF_FIELD, SignedInUser

__all__ = [
    "CSRF_FIELD",
    "DASHBOARD_PATH",
    "NAVIGATION",
    "SESSION_COOKIE",
    "MaybeViewer",
    "NavItem",
    "PageForbidden",
    "PageNotFound",
    "Renderer",
    "SignInRequired",
    "SignedInUser",
    "Viewer",
    "dashboard_router",
    "dashboard_url",
    "mount_dashboard",
]
