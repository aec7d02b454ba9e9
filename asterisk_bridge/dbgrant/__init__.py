"""The database grant: a PostgreSQL login role that reads one CDR view, from named networks."""
