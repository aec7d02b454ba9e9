"""Certificate lifetimes the CLI shows in its help, importable without the cryptography stack."""

SERVER_DAYS = 397  # what browsers accept for a server certificate at most
RENEW_WITHIN_DAYS = 30
