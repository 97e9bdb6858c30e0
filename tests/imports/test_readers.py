"""Reading spreadsheets: encodings are detected, headers normalised, row numbers as Excel shows them."""

import pytest

from literacy.imports.readers import EmptyFile, UnreadableFile, read_sheet
from tests.imports.spreadsheets import FORMATS, spreadsheet


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_the_same(fmt):
    content, filename = spreadsheet([["氏名", "地区名（英語）"], ["山田　花子", "Kurogi"], ["", ""], ["髙橋 ①", "x"]], fmt)
    sheet = read_sheet(content=content, filename=filename)
    assert sheet.headers == ["氏名", "地区名(英語)"]
    assert [row.number for row in sheet.rows] == [2, 4]  # the blank row 3 is skipped, not renumbered
    assert sheet.rows[0].values == {"氏名": "山田　花子", "地区名(英語)": "Kurogi"}
    assert sheet.rows[1].values["氏名"] == "髙橋 ①"  # cp932-only characters survive
    assert sheet.encoding == {"utf-8-sig": "utf-8"}.get(fmt, fmt)


def test_xlsx_numbers_and_dates_read_as_typed():
    import datetime as dt

    content, _ = spreadsheet([["人口", "研修日"], [12000.0, dt.datetime(2026, 4, 1)]], "xlsx")
    row = read_sheet(content=content, filename="").rows[0]  # detected by content, not name
    assert row.values == {"人口": "12000", "研修日": "2026-04-01"}


def test_binary_garbage_is_refused_plainly():
    with pytest.raises(UnreadableFile):
        read_sheet(content=b"\xff\xfe\x00\x81\x00\xfd", filename="x.csv")
    with pytest.raises(UnreadableFile):
        read_sheet(content=b"PK\x03\x04 not really a zip", filename="x.xlsx")


def test_a_file_without_a_header_is_refused():
    with pytest.raises(EmptyFile):
        read_sheet(content=b"\r\n\r\n", filename="x.csv")
