"""Site-wide pages. The home page is the service catalogue."""

from portal.cases.views_catalogue import catalogue as home

__all__ = ["home"]
