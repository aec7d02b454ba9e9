"""Running Voco as services on a host: systemd units rendered from the installation's config."""
