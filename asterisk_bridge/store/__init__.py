"""The store: engine, schema and migrations (SQLite by default, PostgreSQL for many nodes)."""
