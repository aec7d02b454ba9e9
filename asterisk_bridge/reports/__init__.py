"""Call, agent and queue reports: figures per group, rendered as a table, CSV, JSON or a
self-contained HTML page with inline SVG charts. :func:`build.build_report` is the one entry
point (the CLI and the HTTP API both call it)."""
