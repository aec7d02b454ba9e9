"""The doors a grant can open (the CLI offers them without importing the store)."""

DOORS = ("ami", "api", "db", "popup", "crm")

#: Doors that send data out to a party rather than let it in: their grant names where the data
#: goes (``options["to"]``), not networks it may come from.
OUTBOUND = ("popup", "crm")
