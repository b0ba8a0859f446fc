"""Intake channels: the doors through which requests reach Huitian (Open311 GeoReport v2 first)."""
