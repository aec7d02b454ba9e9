"""Domain services: what the CLI (and later the API) call to change state."""
