"""Reading a table file, CSV or XLSX, into its header row and numbered rows of text cells, with the file's type
decided from its bytes: an old .xls, a PDF, a zip that is not a workbook or binary data is refused saying what it is.
CSV files may be UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's "Unicode text", tab-separated) or
GB18030/GBK as Excel saves them on Chinese Windows. contest/imports.py makes entrants and marks of the rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from contest.scoring.errors import ContestError
from contest.scoring.messages import Message


class TableError(ContestError):
    """A data file (entrants or marks) cannot be read."""


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Headers and (row number, cells) of a CSV or XLSX file; row numbers as a spreadsheet shows them."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TableError(Message("{file}: cannot read the file ({why})", file=str(path), why=exc.strerror)) from None
    return rows_of(path.name, data)


def rows_of(name: str, data: bytes, *, formulas: bool = False) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Like `read_rows`, for a file's content (an upload). What the bytes are decides, then the name's suffix: a
    workbook (.xlsx) or text (.csv); an old .xls, a PDF, another zip or binary data is refused saying what it is.
    With `formulas`, a workbook's formula cells read as their formula text (``=HYPERLINK(...)``), not their last
    computed value, so a preview can point them out."""
    kind = sniff(name, data)
    if kind == "xlsx":
        return _xlsx_rows(name, data, formulas=formulas)
    return _csv_rows(name, data)


XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: Excel 97-2003 .xls (and old .doc)
TEXT_SUFFIXES = (".csv", ".txt", "")
OLD_EXCEL = "Excel 97-2003 (.xls)"


def sniff(name: str, data: bytes) -> str:
    """ "xlsx" or "csv" for a file that can be read as a table; TableError saying what the file is otherwise."""
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise TableError(Message("{file}: the file is empty; the first row must name the columns", file=name))
    if data.startswith(XLS_MAGIC) or suffix == ".xls":
        raise TableError(
            Message("{file}: an old {kind} workbook cannot be read; save it as .xlsx or CSV", file=name, kind=OLD_EXCEL)
        )
    if data.startswith(b"%PDF"):
        raise TableError(
            Message("{file}: a {kind} document, not a table; upload the .xlsx or .csv file", file=name, kind="PDF")
        )
    if data.startswith(b"PK\x03\x04"):
        if not _is_workbook(data):
            raise TableError(
                Message(
                    "{file}: a zip archive that is not an .xlsx workbook ({example}?)", file=name, example="Word / WPS"
                )
            )
        return "xlsx"
    if suffix in (".xlsx", ".xlsm"):
        raise TableError(Message("{file}: not a readable .xlsx workbook ({why})", file=name, why="zip"))
    if suffix not in TEXT_SUFFIXES:
        raise TableError(Message("{file}: expected a .csv or .xlsx file, got {suffix}", file=name, suffix=suffix))
    return "csv"


def _is_workbook(data: bytes) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _decode(name: str, data: bytes) -> str:
    """Text in UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's "Unicode text") or GB18030 (Excel's CSV
    on Chinese Windows); binary data (a picture renamed .csv) is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif not _binary(data):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise TableError(
        Message("{file}: not a text file in UTF-8 or GB18030 (save it as CSV UTF-8 or as .xlsx)", file=name)
    )


BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")


def _binary(data: bytes) -> bool:
    """A picture, an archive or another binary file (a stray NUL inside a cell is a cell's problem, not this)."""
    return data.startswith(BINARY_MAGIC) or data[:4096].count(b"\x00") > 8


def _csv_rows(name: str, data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    text = _decode(name, data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","  # Excel's "Unicode text" is tabbed
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise TableError(Message("{file}: the file is empty; the first row must name the columns", file=name)) from None
    except csv.Error as exc:
        raise TableError(Message("{file} row {row}: {why}", file=name, row=1, why=str(exc))) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as exc:
            raise TableError(Message("{file} row {row}: {why}", file=name, row=reader.line_num, why=str(exc))) from None

    return [h.strip() for h in headers], rows()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(name: str, data: bytes, *, formulas: bool = False) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=not formulas)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise TableError(
            Message("{file}: not a readable .xlsx workbook ({why})", file=name, why=type(exc).__name__)
        ) from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    first = next(values, None)
    if first is None:
        raise TableError(Message("{file}: the first sheet is empty; its first row must name the columns", file=name))
    headers = [_cell(v) for v in first]

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, row in enumerate(values, start=2):
            yield number, [_cell(v) for v in row]
        book.close()

    return headers, rows()
