"""Files for people: standings tables (CSV, XLSX, JSON); certificates and score sheets to come."""
