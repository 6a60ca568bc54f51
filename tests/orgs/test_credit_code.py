import pytest
from django.core.exceptions import ValidationError

from orgs.models import Enterprise
from orgs.validators import CREDIT_CODE_CHARS, credit_code_check_char, validate_credit_code
from tests import factories
from tests.orgs.conftest import assert_error


def valid_code(first17: str = "91420700MA4F0ABC1") -> str:
    return first17 + credit_code_check_char(first17)


def wrong_check_char(code: str) -> str:
    return code[:17] + next(c for c in CREDIT_CODE_CHARS if c != code[17])


def test_the_published_example_code_validates():
    validate_credit_code("91350100M000100Y43")


@pytest.mark.parametrize(
    "first17", ["91420700MA4F0ABC1", "12420700000000000", "91110000802100433", "5342070055555555X"]
)
def test_a_code_with_its_computed_check_character_validates(first17):
    validate_credit_code(valid_code(first17))


@pytest.mark.parametrize(
    "code",
    [
        wrong_check_char("91350100M000100Y43"),
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "91350100M000100I43",  # I is not a GB 32100 character
        "91350100m000100y43",  # lower case is not normalised by the validator itself
    ],
)
def test_a_malformed_or_miscalculated_code_is_rejected(code):
    with pytest.raises(ValidationError):
        validate_credit_code(code)


def enterprise_body(world, **overrides):
    body = {
        "name": "鄂州市某化工有限公司",
        "credit_code": valid_code(),
        "region": world.enterprise.region_id,
        "industry": world.enterprise.industry_id,
    }
    return body | overrides


def test_a_superuser_registers_an_enterprise_with_a_valid_code(api, world, superuser):
    response = api.as_(superuser).post("/api/v1/enterprises/", enterprise_body(world))
    assert response.status_code == 201, response.content
    assert response.data["credit_code"] == valid_code()
    assert response.data["is_high_risk"] is True
    assert response.data["region_name"] == "鄂城区"
    assert response.data["timezone"] == "Asia/Shanghai"
    assert Enterprise.objects.filter(credit_code=valid_code()).exists()


def test_a_code_typed_in_lower_case_is_stored_in_capitals(api, world, superuser):
    response = api.as_(superuser).post("/api/v1/enterprises/", enterprise_body(world, credit_code=valid_code().lower()))
    assert response.status_code == 201, response.content
    assert response.data["credit_code"] == valid_code()


def test_a_wrong_check_character_is_a_400_naming_credit_code(api, world, superuser):
    body = enterprise_body(world, credit_code=wrong_check_char(valid_code()))
    error = assert_error(api.as_(superuser).post("/api/v1/enterprises/", body), 400, "credit_code")
    assert "校验位" in error["message"]
    assert not Enterprise.objects.filter(name=body["name"]).exists()


def test_an_admin_cannot_give_the_enterprise_a_wrong_code(api, world, org_admin):
    body = {"credit_code": wrong_check_char(world.enterprise.credit_code)}
    response = api.as_(org_admin).patch(f"/api/v1/enterprises/{world.enterprise.id}/", body)
    assert_error(response, 400, "credit_code")


def test_a_code_already_registered_is_a_400_naming_credit_code(api, world, superuser):
    body = enterprise_body(world, credit_code=world.other_enterprise.credit_code)
    error = assert_error(api.as_(superuser).post("/api/v1/enterprises/", body), 400, "credit_code")
    assert error["code"] == "unique"


def test_an_unknown_time_zone_is_a_400_naming_timezone(api, world, superuser):
    response = api.as_(superuser).post("/api/v1/enterprises/", enterprise_body(world, timezone="Asia/Beijing"))
    assert_error(response, 400, "timezone")


def test_the_factory_makes_valid_codes():
    for seed in range(50):
        validate_credit_code(factories.make_credit_code(seed))
