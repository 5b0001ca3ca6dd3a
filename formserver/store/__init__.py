"""The store: the only place with SQL. One module per kind of record."""
