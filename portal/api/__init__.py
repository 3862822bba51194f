"""The JSON API (/api/v1/) and Open311 GeoReport v2 (/open311/v2/)."""
