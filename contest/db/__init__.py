"""Persistence: typed tables, engines for SQLite and PostgreSQL, migrations, and read queries."""
