"""Live standings: boards kept in memory and current with the database's change log."""
