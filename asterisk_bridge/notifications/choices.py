"""The values notification commands accept, importable without the store (so ``--help`` of the
commands that offer them stays fast)."""

SMTP_MODES = ("off", "default", "custom")
SMTP_SECURITY = ("tls", "starttls", "plain")
