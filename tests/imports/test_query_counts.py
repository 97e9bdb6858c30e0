"""The roster import pages run a fixed number of queries whether the city already has 2 or 8
districts and earlier imports. (An import itself works row by row, by design: importers.py. The
file here has the same three rows at every size.)"""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from literacy.imports.services import import_batch_preview
from tests import factories
from tests.imports.spreadsheets import spreadsheet
from tests.imports.test_import_kinds import DISTRICTS
from tests.query_counts import SIZES, Case, assert_pinned, get, keys_of, post


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-of-each")
def imports_world(request, clock, municipality, coordinator, city_client):
    content, filename = spreadsheet(DISTRICTS, "cp932")
    for n in range(request.param):
        factories.DistrictFactory(municipality=municipality, name=f"既存{n}")
        batch = import_batch_preview(municipality=municipality, kind="districts", filename=filename,
                                     content=content, actor=coordinator)
    return SimpleNamespace(client=city_client, batch=batch, content=content, filename=filename)


def upload(w):
    return w.client.post("/city/import/", {"kind": "districts", "file": SimpleUploadedFile(w.filename, w.content)})


def batch(w):
    return [w.batch.pk]


CASES = {
    "GET imports:upload": get("imports:upload"),
    "POST imports:upload": Case(send=upload, status=302),
    "GET imports:template": get("imports:template", args=["learners"]),
    "GET imports:preview": get("imports:preview", args=batch),
    "POST imports:preview": post("imports:preview", args=batch),
}
PINNED = {
    "GET imports:upload": 5,
    "POST imports:upload": 26,
    "GET imports:template": 4,
    "GET imports:preview": 6,
    "POST imports:preview": 25,
}


@pytest.mark.parametrize("key", keys_of(CASES, PINNED))
def test_query_count_is_pinned_for_every_size(imports_world, key):
    assert_pinned(key, cases=CASES, pinned=PINNED, world=imports_world)
