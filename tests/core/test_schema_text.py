"""Issue 18, part 3: a schema people can read. Summaries and descriptions are Chinese, their English
is beside them (x-summary-en, x-description-en) and served instead with Accept-Language: en; every
operation sits under one known tag, answers its errors in the one error body and pages its lists."""

import re

import pytest
from django.test import Client

from core.schema_tags import TAGS

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
METHODS = ("get", "put", "post", "patch", "delete")
ERROR = "#/components/schemas/Error"
# The onboarding import's 400 lists every problem of the workbook: the Error body whose `errors`
# items also carry sheet, row and column (checked below to stay a superset of Error).
ONBOARDING_ERROR = "#/components/schemas/OnboardingError"
ONBOARDING_IMPORT = ("post", "/api/v1/enterprises/{id}/onboarding/")
# The hazard ledger import (issue 16) reads its workbook with the same reader and answers the same way.
WORKBOOK_IMPORTS = {ONBOARDING_IMPORT, ("post", "/api/v1/hazards/ledger/")}
# Lists answered in one piece on purpose: a short national catalogue, a card's versions, a post's
# checklists due now, the judgment standards and the clauses offered (a national catalogue of a few
# dozen rows). Every other list is paged.
UNPAGED_LISTS = {
    "v1_certificate_kinds_list",
    "v1_cards_versions_list",
    "v1_posts_due_list",
    "v1_risk_points_assessments_list",  # a point's versions, like a card's
    "v1_judgment_standards_list",
    "v1_judgment_clauses_list",
}


def _served(django_db_blocker, **headers) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json", **headers)
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    return _served(django_db_blocker)


@pytest.fixture(scope="module")
def english(django_db_blocker):
    return _served(django_db_blocker, HTTP_ACCEPT_LANGUAGE="en")


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def test_there_are_operations(schema):
    assert len(list(operations(schema))) > 100


def test_every_summary_is_chinese_with_its_english_beside_it(schema):
    for method, path, operation in operations(schema):
        where = f"{method.upper()} {path}"
        assert CJK.search(operation.get("summary", "")), where
        english = operation.get("x-summary-en", "")
        assert re.search(r"[A-Za-z]{3}", english) and not CJK.search(english), (where, english)


def test_every_description_is_chinese_with_its_english_beside_it(schema):
    described = [(m, p, op) for m, p, op in operations(schema) if "description" in op]
    assert len(described) > 20
    for method, path, operation in described:
        where = f"{method.upper()} {path}"
        assert CJK.search(operation["description"]), where
        english = operation.get("x-description-en", "")
        assert re.search(r"[A-Za-z]{3}", english) and not CJK.search(english), (where, english)
    assert not [(m, p) for m, p, op in operations(schema) if "x-description-en" in op and "description" not in op]


def test_accept_language_en_serves_the_english_texts(schema, english):
    for method, path, operation in operations(english):
        chinese = schema["paths"][path][method]
        assert operation["summary"] == operation["x-summary-en"] == chinese["x-summary-en"], (method, path)
        if "description" in chinese:
            assert operation["description"] == operation["x-description-en"] == chinese["x-description-en"]


def test_every_operation_has_exactly_one_known_tag(schema):
    names = {name for name, _english, _description in TAGS}
    for method, path, operation in operations(schema):
        assert len(operation.get("tags", [])) == 1 and operation["tags"][0] in names, (method, path)
    assert [tag["name"] for tag in schema["tags"]] == [name for name, _english, _description in TAGS]
    assert all(tag["x-name-en"] and not CJK.search(tag["x-name-en"]) for tag in schema["tags"])


def test_every_4xx_answers_in_the_error_body(schema):
    for method, path, operation in operations(schema):
        for status, response in operation["responses"].items():
            if not status.startswith("4"):
                continue
            expected = ONBOARDING_ERROR if (method, path) in WORKBOOK_IMPORTS and status == "400" else ERROR
            body = response.get("content", {}).get("application/json", {}).get("schema", {})
            assert body.get("$ref") == expected, (method, path, status, response)


def test_the_onboarding_error_is_an_error_with_more_detail_per_problem(schema):
    components = schema["components"]["schemas"]
    error, onboarding = components["Error"], components["OnboardingError"]
    assert (
        set(onboarding["properties"])
        == set(error["properties"])
        == {"code", "message", "field", "errors", "request_id"}
    )
    assert set(onboarding["required"]) == set(error["required"])
    for name in ("code", "message", "field"):
        assert onboarding["properties"][name] == error["properties"][name]
    item = components[error["properties"]["errors"]["items"]["$ref"].rsplit("/", 1)[1]]
    detailed = components[onboarding["properties"]["errors"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(item["properties"]) <= set(detailed["properties"]) and set(item["required"]) <= set(detailed["required"])
    for name, field in item["properties"].items():
        assert detailed["properties"][name] == field


def test_lists_document_page_and_page_size(schema):
    paged = set()
    for method, path, operation in operations(schema):
        body = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if body.get("$ref", "").startswith("#/components/schemas/Paginated"):
            paged.add(operation["operationId"])
            query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            assert {"page", "page_size"} <= query, (method, path)
    lists = {op["operationId"] for _m, _p, op in operations(schema) if op["operationId"].endswith("_list")}
    assert lists - UNPAGED_LISTS == paged
    assert UNPAGED_LISTS <= lists
