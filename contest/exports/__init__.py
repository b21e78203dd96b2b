"""Files for people: standings tables and the results workbook (CSV, XLSX, JSON), and PDFs: certificates, judges'
login cards, score sheets, the award list and a draw's sealed mapping."""
