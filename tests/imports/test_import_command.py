"""python manage.py import_csv: template header, import, dry run, and a failing file's exit."""

import io

import pytest
from django.core.management import CommandError, call_command

from literacy.places.models import District
from tests.imports.spreadsheets import spreadsheet
from tests.imports.test_import_kinds import DISTRICTS


def call(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_csv", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, rows, fmt="cp932"):
    content, filename = spreadsheet(rows, fmt)
    path = tmp_path / filename
    path.write_bytes(content)
    return str(path)


def test_template_prints_the_japanese_header_row(db):
    out, _ = call("learners", "--template")
    assert out.strip().startswith("氏名,ふりがな,電話番号,地区,お知らせの方法")


def test_imports_a_shift_jis_file(tmp_path, municipality):
    out, _ = call("districts", write(tmp_path, DISTRICTS), "--municipality", "402109")
    assert "新規 3" in out
    assert District.objects.filter(municipality=municipality).count() == 3
    out, _ = call("districts", write(tmp_path, DISTRICTS), "--municipality", "402109")
    assert "変更なし 3" in out


def test_dry_run_writes_nothing(tmp_path, municipality):
    out, _ = call("districts", write(tmp_path, DISTRICTS, "xlsx"), "--municipality", "402109", "--dry-run")
    assert "dry run" in out and "新規 3" in out
    assert not District.objects.exists()


def test_a_bad_file_names_the_row_and_fails(tmp_path, municipality):
    rows = [*DISTRICTS, ["星野", "", "", "-5", "", ""]]
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_csv", "districts", write(tmp_path, rows), "--municipality", "402109",
                     stdout=out, stderr=err)
    assert "5行目 [高齢者人口]" in err.getvalue()
    assert not District.objects.exists()


def test_unknown_municipality(tmp_path, db):
    with pytest.raises(CommandError, match="No municipality"):
        call("districts", write(tmp_path, DISTRICTS), "--municipality", "999999")
