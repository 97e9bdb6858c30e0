"""CSV downloads of the dashboard's tables: UTF-8 with a BOM, so Excel opens Japanese correctly."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.utils import timezone

from literacy.coverage.tables import Table

BOM = "\ufeff"


def csv_value(value, kind: str) -> str:
    """Plain numbers a spreadsheet can compute with: ratios as percentages, no thousands commas."""
    if value is None:
        return ""
    if kind == "pct":
        return f"{round(value * 100, 1)}"
    if kind in ("num", "hours"):
        return f"{round(value, 3)}"
    if kind == "month":
        return value.strftime("%Y-%m")
    if kind == "datetime":
        return timezone.localtime(value).isoformat() if isinstance(value, dt.datetime) else str(value)
    if kind == "bool":
        return "1" if value else "0"
    return str(value)


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f"{column.label}{' (%)' if column.kind == 'pct' else ''}" for column in table.columns])
    for cells in table.body:
        writer.writerow([csv_value(value, kind) for value, kind in cells])
    return buffer.getvalue()
