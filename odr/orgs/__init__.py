"""Regions (district > street > community > grid), organisations and memberships."""
