"""Spreadsheet reading: CSV in UTF-8 (with or without BOM) or Shift_JIS/cp932, and .xlsx.

Every reader returns the same Sheet: normalised header names and the data rows, each with the
row number a person sees in Excel (the header is row 1), so an error can name the row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from literacy.core.errors import DomainError

XLSX_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"


class UnreadableFile(DomainError):
    code = "import_unreadable_file"
    message = _("ファイルを読み込めませんでした。CSV（UTF-8 または Shift_JIS）か Excel（.xlsx）でお送りください。")


class EmptyFile(DomainError):
    code = "import_empty_file"
    message = _("ファイルに見出しの行がありません。")


@dataclass(frozen=True)
class SheetRow:
    number: int  # as Excel shows it: the header is row 1
    values: dict[str, str]


@dataclass
class Sheet:
    headers: list[str]
    rows: list[SheetRow] = field(default_factory=list)
    encoding: str = ""  # "utf-8", "cp932" or "xlsx": shown in the preview


def normalise_header(text: str) -> str:
    """'　氏名 ' and '氏名' are the same column; full-width brackets become ASCII ones (NFKC)."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def read_sheet(*, content: bytes, filename: str = "") -> Sheet:
    """Read an uploaded file by its content (an .xlsx is a zip), whatever its name says."""
    if content.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        return _read_xlsx(content)
    return _read_csv(content)


def decode_csv(content: bytes) -> tuple[str, str]:
    """Text and the encoding it was in. UTF-8 first (strict), then cp932, the superset of
    Shift_JIS that Excel in Japan writes (it has ①, ㈱ and NEC/IBM extensions)."""
    if content.startswith(UTF8_BOM):
        return content[len(UTF8_BOM):].decode("utf-8"), "utf-8"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise UnreadableFile() from exc


def _read_csv(content: bytes) -> Sheet:
    text, encoding = decode_csv(content)
    if "\x00" in text:
        raise UnreadableFile()
    records = list(csv.reader(io.StringIO(text, newline="")))
    return _sheet_from_records(((number, record) for number, record in enumerate(records, start=1)), encoding)


def _read_xlsx(content: bytes) -> Sheet:
    import openpyxl  # imported here: only uploads of .xlsx pay for it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile() from exc
    try:
        worksheet = workbook.worksheets[0]
        records = (
            (number, [_cell_text(value) for value in values])
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)
        )
        return _sheet_from_records(records, "xlsx")
    finally:
        workbook.close()


def _cell_text(value) -> str:
    """Cells as a person typed them: 1234.0 is '1234', a date is 2026-04-01."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


def _sheet_from_records(records, encoding: str) -> Sheet:
    headers: list[str] | None = None
    sheet = Sheet(headers=[], encoding=encoding)
    for number, record in records:
        cells = [str(cell).strip() for cell in record]
        if not any(cells):
            continue  # blank lines and empty rows at the end of a sheet
        if headers is None:
            headers = [normalise_header(cell) for cell in cells]
            sheet.headers = [h for h in headers if h]
            continue
        values = {
            header: cells[index] if index < len(cells) else ""
            for index, header in enumerate(headers)
            if header
        }
        sheet.rows.append(SheetRow(number=number, values=values))
    if headers is None:
        raise EmptyFile()
    return sheet
