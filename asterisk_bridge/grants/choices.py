"""The doors a grant can open (the CLI offers them without importing the store)."""

DOORS = ("ami", "api", "db", "popup", "crm")
