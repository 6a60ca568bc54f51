"""Assessments: the factor tables, the score, the grade from the bands (each edge, both methods),
adjusted bands and the history of grades."""

from decimal import Decimal

import pytest

from risks.models import Assessment, RiskGrade, RiskPoint
from risks.services import assessment_create, risk_bands_set
from tests.cards.conftest import assert_error
from tests.risks.conftest import assess, make_point


def test_an_lec_assessment_answers_201_with_score_and_level(api, world, point):
    response = assess(api, world.officer, point, method="LEC", likelihood=6, exposure=6, consequence=15)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["score"] == 540 and body["level"] == "red" and body["version"] == 1
    assert body["assessed_by"] == world.officer.id
    assert RiskPoint.objects.get(pk=point.pk).level == "red"


def test_an_ls_assessment_answers_201_with_score_and_level(api, world, point):
    response = assess(api, world.officer, point, method="LS", likelihood=4, severity=4)
    assert response.status_code == 201, response.content
    assert response.json()["score"] == 16 and response.json()["level"] == "orange"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"method": "LEC", "likelihood": 7, "exposure": 6, "consequence": 15}, "likelihood"),
        ({"method": "LEC", "likelihood": 6, "exposure": 4, "consequence": 15}, "exposure"),
        ({"method": "LEC", "likelihood": 6, "exposure": 6, "consequence": 50}, "consequence"),
        ({"method": "LEC", "likelihood": 6, "consequence": 15}, "exposure"),
        ({"method": "LS", "likelihood": 6, "severity": 4}, "likelihood"),
        ({"method": "LS", "likelihood": 2, "severity": 0}, "severity"),
        ({"method": "LS", "likelihood": 2.5, "severity": 3}, "likelihood"),
    ],
)
def test_a_factor_outside_its_table_is_a_400_naming_it(api, world, point, body, field):
    body = assert_error(assess(api, world.officer, point, **body), 400, field)
    assert "取值必须是" in body["message"] or "必填" in body["message"]
    assert not Assessment.objects.exists() and RiskPoint.objects.get(pk=point.pk).level is None


def test_the_error_is_in_english_when_asked(api, world, point):
    response = api.as_(world.officer).post(
        f"/api/v1/risk-points/{point.id}/assessments/",
        {"method": "LEC", "likelihood": 6, "exposure": 4, "consequence": 15},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and response.json()["field"] == "exposure"
    assert "must be one of" in response.json()["message"]


def test_a_worker_cannot_assess(api, world, point):
    assert assess(api, world.worker, point, method="LS", likelihood=1, severity=1).status_code == 403


# Default bands: LEC D >= 320 red, 160-319 orange, 70-159 yellow, < 70 blue.
@pytest.mark.parametrize(
    "likely, e, c, score, level",
    [
        (10, 2, 15, 300, "orange"),  # just under red
        (10, 6, 7, 420, "red"),
        (1, 6, 100, 600, "red"),
        (10, 1, 40, 400, "red"),
        (6, 6, 15, 540, "red"),
        (10, 10, 3, 300, "orange"),
        (1, 2, 100, 200, "orange"),
        (6, 2, 15, 180, "orange"),
        (1, 1, 100, 100, "yellow"),
        (10, 1, 7, 70, "yellow"),  # the yellow edge itself
        (0.5, 2, 40, 40, "blue"),
        (3, 1, 15, 45, "blue"),
        (1, 0.5, 100, 50, "blue"),
    ],
)
def test_lec_grades_by_the_default_bands(world, point, likely, e, c, score, level):
    a = assessment_create(
        by=world.officer,
        risk_point=point,
        data={"method": "LEC", "likelihood": likely, "exposure": e, "consequence": c},
    )
    assert a.score == Decimal(score) and a.level == level


@pytest.mark.parametrize(
    "score, level",
    [(319, "orange"), (320, "red"), (159, "yellow"), (160, "orange"), (69, "blue"), (70, "yellow")],
)
def test_each_lec_band_edge(world, score, level):
    from risks.selectors import risk_bands_of

    assert risk_bands_of(world.enterprise.pk).level_of("LEC", score) == level


# Default bands: LS R >= 20 red, 15-19 orange, 9-14 yellow, <= 8 blue.
@pytest.mark.parametrize(
    "likely, s, level",
    [(4, 5, "red"), (5, 5, "red"), (3, 5, "orange"), (4, 4, "orange"), (3, 3, "yellow"), (2, 5, "yellow")]
    + [(2, 4, "blue"), (1, 1, "blue"), (4, 2, "blue")],
)
def test_ls_grades_by_the_default_bands(world, point, likely, s, level):
    a = assessment_create(
        by=world.officer, risk_point=point, data={"method": "LS", "likelihood": likely, "severity": s}
    )
    assert a.level == level, a.score


@pytest.mark.parametrize(
    "score, level", [(20, "red"), (19, "orange"), (15, "orange"), (14, "yellow"), (9, "yellow"), (8, "blue")]
)
def test_each_ls_band_edge(world, score, level):
    from risks.selectors import risk_bands_of

    assert risk_bands_of(world.enterprise.pk).level_of("LS", score) == level


def test_an_assessment_is_a_new_version_and_never_changes(world, point):
    first = assessment_create(by=world.officer, risk_point=point, data={"method": "LS", "likelihood": 1, "severity": 2})
    second = assessment_create(
        by=world.officer, risk_point=point, data={"method": "LS", "likelihood": 5, "severity": 5}
    )
    assert (first.version, second.version) == (1, 2)
    assert RiskPoint.objects.get(pk=point.pk).level == "red"
    with pytest.raises(ValueError):
        first.save()


def test_adjusted_bands_grade_new_assessments(api, world, point):
    response = api.as_(world.officer).put(
        f"/api/v1/enterprises/{world.enterprise.id}/risk-bands/", {"lec_red": 200, "lec_orange": 100}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["lec_red"] == "200.00"
    a = assess(api, world.officer, point, method="LEC", likelihood=6, exposure=6, consequence=7)  # 252
    assert a.json()["level"] == "red"


def test_changing_the_bands_regrades_and_keeps_the_history(api, world, point):
    other = make_point(world.enterprise, name="罐区")
    assessment_create(
        by=world.officer, risk_point=point, data={"method": "LEC", "likelihood": 3, "exposure": 6, "consequence": 15}
    )  # 270: orange
    assessment_create(by=world.officer, risk_point=other, data={"method": "LS", "likelihood": 2, "severity": 3})  # 6
    response = api.as_(world.officer).put(
        f"/api/v1/enterprises/{world.enterprise.id}/risk-bands/", {"lec_red": 250}, format="json"
    )
    assert response.status_code == 200 and response.json()["regraded"] == 1
    assert RiskPoint.objects.get(pk=point.pk).level == "red"
    history = list(RiskGrade.objects.filter(risk_point=point).values_list("previous_level", "level", "reason"))
    assert history == [("", "orange", "assessed"), ("orange", "red", "bands_changed")]
    assert RiskGrade.objects.filter(risk_point=point).last().bands["lec_red"] == "250.00"
    # The assessment itself still says what it got on the day.
    assert Assessment.objects.get(risk_point=point).level == "orange"
    # Back to the defaults: back to orange, a third row.
    api.as_(world.officer).put(
        f"/api/v1/enterprises/{world.enterprise.id}/risk-bands/", {"lec_red": 320}, format="json"
    )
    assert RiskPoint.objects.get(pk=point.pk).level == "orange"
    detail = api.as_(world.worker).get(f"/api/v1/risk-points/{point.id}/").json()
    assert [g["level"] for g in detail["grades"]] == ["orange", "red", "orange"]


def test_bands_out_of_order_are_a_400_naming_the_field(api, world):
    response = api.as_(world.officer).put(
        f"/api/v1/enterprises/{world.enterprise.id}/risk-bands/", {"lec_orange": 400}, format="json"
    )
    assert_error(response, 400, "lec_orange")


def test_regrading_takes_a_constant_number_of_queries(world, django_assert_max_num_queries):
    for n in range(12):
        p = make_point(world.enterprise, name=f"点{n}")
        assessment_create(by=world.officer, risk_point=p, data={"method": "LS", "likelihood": 3, "severity": 4})
    with django_assert_max_num_queries(12):
        _bands, changed = risk_bands_set(by=world.officer, enterprise=world.enterprise, data={"ls_yellow": 13})
    assert changed == 12
