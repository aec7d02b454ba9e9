"""What an API token may be allowed (the CLI offers these without importing the store)."""

SCOPES = ("cdr:read", "calls:read", "recordings:read", "recordings:delete", "cdr:delete")
DEFAULT_RATE = 120  # requests per minute per token
