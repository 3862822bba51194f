"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the grid
events, in JSON and XML, so that existing Open311 clients work unchanged."""
