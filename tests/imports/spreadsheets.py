"""Build import files in the tests: CSV in UTF-8 (with and without BOM) or cp932, and .xlsx."""

import csv
import io

import openpyxl

FORMATS = ["utf-8", "utf-8-sig", "cp932", "xlsx"]


def spreadsheet(rows: list[list], fmt: str) -> tuple[bytes, str]:
    """(content, filename) of a file holding these rows (the first is the header)."""
    if fmt == "xlsx":
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue(), "roster.xlsx"
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(fmt), "roster.csv"
