"""The personal CDR fields a database grant may ask to see in clear (``--personal``); the CLI
offers them without importing the store. They are the CDR's sealed columns
(:data:`asterisk_bridge.cdr.sealing.SEALED`; a test keeps the two equal)."""

PERSONAL = ("src", "clid", "userfield", "dst", "lastdata")
