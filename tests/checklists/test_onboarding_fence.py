"""Issue 12, place: the fence of a post in the onboarding workbook (sheet 岗位: 纬度, 经度, 半径(米)), in the
template, the export and the import; an export imports again unchanged, a workbook without the columns
imports as before and leaves the fences alone."""

from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook

from checklists.onboarding import COLUMNS
from orgs.models import Post
from tests.checklists.test_onboarding import admin, export_url, template_book, to_bytes, upload  # noqa: F401

FENCE_HEADERS = ["纬度", "经度", "半径(米)"]


def posts_row(book, **cells) -> None:
    """Set cells of the example post row (row 2 of 岗位) by header."""
    sheet = book["岗位"]
    headers = [c.value for c in sheet[1]]
    for header, value in cells.items():
        sheet.cell(row=2, column=headers.index(header) + 1).value = value  # cell(value=None) would keep it


def reactor(enterprise) -> Post:
    return Post.objects.get(enterprise=enterprise, name="反应釜操作岗")


def test_the_posts_sheet_has_the_fence_columns(api, world):
    assert COLUMNS["岗位"][-3:] == FENCE_HEADERS
    book = template_book(api, world.worker)
    assert [c.value for c in book["岗位"][1]][-3:] == FENCE_HEADERS
    notes = " ".join(str(row[0]) for row in book["说明"].iter_rows(values_only=True) if row[0])
    assert "GCJ-02" in notes and "WGS-84" in notes


def test_a_fence_imports_exports_and_imports_again_unchanged(api, world, admin):  # noqa: F811
    book = template_book(api, admin)
    posts_row(book, 纬度=30.391457, 经度=114.894313, **{"半径(米)": 150})
    assert upload(api, admin, world.enterprise, to_bytes(book)).status_code == 200
    post = reactor(world.enterprise)
    assert (post.fence_latitude, post.fence_longitude, post.fence_radius_m) == (
        Decimal("30.391457"),
        Decimal("114.894313"),
        150,
    )

    exported = api.as_(admin).get(export_url(world.enterprise)).content
    row = list(load_workbook(BytesIO(exported))["岗位"].iter_rows(values_only=True))
    assert row[0][-3:] == tuple(FENCE_HEADERS)
    assert [r[-3:] for r in row[1:] if r[1] == "反应釜操作岗"] == [(30.391457, 114.894313, 150)]
    again = upload(api, admin, world.enterprise, exported)
    assert again.status_code == 200, again.content
    assert set(again.json()["updated"].values()) == {0} and set(again.json()["created"].values()) == {0}
    post.refresh_from_db()
    assert post.fence_radius_m == 150 and post.fence_latitude == Decimal("30.391457")


def test_emptied_fence_cells_remove_the_fence_and_that_is_an_update(api, world, admin):  # noqa: F811
    book = template_book(api, admin)
    posts_row(book, 纬度=30.5, 经度=114.5, **{"半径(米)": 100})
    upload(api, admin, world.enterprise, to_bytes(book))
    posts_row(book, 纬度=None, 经度=None, **{"半径(米)": None})
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.json()["updated"]["posts"] == 1
    assert reactor(world.enterprise).fence_radius_m is None


def test_a_workbook_without_the_fence_columns_imports_and_keeps_the_fences(api, world, admin):  # noqa: F811
    book = template_book(api, admin)
    posts_row(book, 纬度=30.5, 经度=114.5, **{"半径(米)": 100})
    upload(api, admin, world.enterprise, to_bytes(book))
    book["岗位"].delete_cols(6, 3)  # as the template was before issue 12
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 200, response.content
    assert set(response.json()["updated"].values()) == {0}
    assert reactor(world.enterprise).fence_radius_m == 100


def test_half_a_fence_or_one_out_of_range_is_reported_at_its_cell(api, world, admin):  # noqa: F811
    book = template_book(api, admin)
    posts_row(book, 纬度=30.5, 经度=None, **{"半径(米)": 5})
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == {"岗位!G2", "岗位!H2"}
    assert "纬度、经度和半径" in errors["岗位!G2"] and "10" in errors["岗位!H2"]
    assert not Post.objects.filter(name="反应釜操作岗").exists()  # all or nothing


def test_a_coordinate_that_is_not_a_number_is_named(api, world, admin):  # noqa: F811
    book = template_book(api, admin)
    posts_row(book, 纬度="北纬30度", 经度=114.5, **{"半径(米)": 100})
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["岗位!F2"]
