"""The views' SQL: one module per view, on SQLite and PostgreSQL alike."""
