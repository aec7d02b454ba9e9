"""The names of the retention categories, importable without the store (so ``--help`` of the
commands that offer them stays fast); :mod:`~asterisk_bridge.retention.kinds` holds the
categories themselves, and a unit test keeps the two the same."""

NAMES = ("cdr", "recordings", "debug-logs", "notifications", "voicemail", "transcripts",
         "captures")
