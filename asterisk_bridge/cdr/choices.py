"""The values CDR and call commands accept, importable without the store (so ``--help`` of the
commands that offer them stays fast)."""

FORMATS = ("csv", "json")
CALL_DISPOSITIONS = ("answered", "busy", "missed", "failed")
