"""The coordinator's upload page: preview first (nothing written), then confirm to import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from literacy.imports.models import ImportBatch
from literacy.people.models import Learner
from literacy.places.models import District
from tests import factories
from tests.imports.spreadsheets import spreadsheet
from tests.imports.test_import_kinds import DISTRICTS, LEARNERS


def upload(client, kind, rows, fmt="cp932"):
    content, filename = spreadsheet(rows, fmt)
    return client.post("/city/import/", {"kind": kind, "file": SimpleUploadedFile(filename, content)})


def test_previews_then_imports(city_client, municipality):
    page = city_client.get("/city/import/")
    assert page.status_code == 200 and "名簿の一括取り込み" in page.content.decode()

    response = upload(city_client, "districts", DISTRICTS)
    assert response.status_code == 302
    assert not District.objects.exists()  # the preview writes nothing
    preview = city_client.get(response["Location"])
    html = preview.content.decode()
    assert "3 行を確認しました。確定すると、新規 3 件、更新 0 件、変更なし 0 件になります。" in html
    assert "黒木小校区" in html and "この内容で取り込む" in html and "Shift_JIS" in html

    done = city_client.post(response["Location"])
    assert done.status_code == 302
    assert District.objects.filter(municipality=municipality).count() == 3
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.APPLIED and batch.content in (b"", memoryview(b""))
    assert "取り込みました。新規 3 件" in city_client.get(done["Location"]).content.decode()

    # Confirming twice (a double click, the back button) does not import twice.
    again = city_client.post(response["Location"])
    assert again.status_code == 409
    assert District.objects.count() == 3


def test_a_file_with_errors_shows_them_and_cannot_be_confirmed(city_client, municipality, district):
    rows = [*LEARNERS, ["八女 四郎", "", "03-1234", "", "", "", "", "", ""]]
    response = upload(city_client, "learners", rows, "xlsx")
    html = city_client.get(response["Location"]).content.decode()
    assert "2 件の問題があるため、このファイルは取り込めません。" in html
    assert "<td>5</td><td>ふりがな</td>" in html and "<td>5</td><td>電話番号</td>" in html
    assert "この内容で取り込む" not in html
    assert city_client.post(response["Location"]).status_code == 302  # re-checked, still refused
    assert not Learner.objects.exists()
    assert ImportBatch.objects.get().state == ImportBatch.State.PREVIEWED


def test_an_unreadable_file_is_refused_on_the_form(city_client):
    response = city_client.post("/city/import/", {
        "kind": "districts", "file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04garbage")})
    assert response.status_code == 400
    assert "ファイルを読み込めませんでした" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_template_download_is_excel_friendly(city_client):
    response = city_client.get("/city/import/template/volunteers.csv")
    assert response.content.decode("utf-8").startswith("\ufeff氏名,ふりがな,メールアドレス")


def test_another_citys_batch_is_not_found(city_client, municipality):
    other_city = factories.MunicipalityFactory()
    batch = ImportBatch.objects.create(municipality=other_city, kind="districts", sha256="x", content=b"a")
    assert city_client.get(f"/city/import/{batch.pk}/").status_code == 404
    assert city_client.post(f"/city/import/{batch.pk}/").status_code == 404


@pytest.mark.parametrize("path", ["/city/import/", "/city/import/template/districts.csv"])
def test_only_coordinators_with_mfa(client, coordinator, path):
    assert client.get(path).status_code == 302  # to the login page
    client.force_login(coordinator)
    assert client.get(path)["Location"].startswith("/accounts/2fa/")  # MFA first
    client.force_login(factories.UserFactory())
    assert client.get(path).status_code == 404


def test_the_pages_in_english(city_client, municipality):
    city_client.cookies["django_language"] = "en"
    assert "Import rosters" in city_client.get("/city/import/").content.decode()
    rows = [LEARNERS[0], ["八女 四郎", "", "090-1111-3333", "", "", "", "", "", ""]]
    response = upload(city_client, "learners", rows, "utf-8")
    html = city_client.get(response["Location"]).content.decode()
    assert "This file cannot be imported: 1 problem." in html
    assert "<td>2</td><td>Kana</td><td>“Kana” is empty.</td>" in html


def test_the_upload_page_explains_each_column(city_client):
    html = city_client.get("/city/import/").content.decode()
    assert "公民館／図書館／市役所" in html  # a venue's kinds, as the file may write them
    assert "ショートメール／電話／お知らせなし" in html
    assert "はい／いいえ（空欄はいいえ）" in html
    city_client.cookies["django_language"] = "en"
    html = city_client.get("/city/import/").content.decode()
    assert "How to fill it in" in html and "like 9:00-17:00" in html


def test_unconfirmed_uploads_are_forgotten_after_a_day(clock, city_client, municipality):
    # clock first: the coordinator signs in at the frozen time, so the session outlives the day.
    import datetime as dt

    response = upload(city_client, "districts", DISTRICTS)
    batch = ImportBatch.objects.get()
    assert bytes(batch.content)  # kept while the coordinator decides
    clock.shift(dt.timedelta(hours=25))

    later = upload(city_client, "districts", DISTRICTS)  # any later preview clears stale ones
    assert later["Location"].startswith("/city/import/")
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.DISCARDED and bytes(batch.content) == b""
    assert city_client.post(response["Location"]).status_code == 409
    assert "この取り込みは取り消されました" in city_client.get(response["Location"]).content.decode()
