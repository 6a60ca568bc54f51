import pytest

from tests import factories


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_a_superuser_opens_the_enterprise_changelist_and_change_page(admin_client, world):
    factories.DepartmentFactory(enterprise=world.enterprise)
    factories.QrTokenFactory(post=world.post)
    assert admin_client.get("/admin/orgs/enterprise/").status_code == 200
    page = admin_client.get(f"/admin/orgs/enterprise/{world.enterprise.id}/change/")
    assert page.status_code == 200
    assert world.post.name in page.content.decode()


@pytest.mark.parametrize(
    "model", ["person", "region", "industry", "enterprise", "post", "regulatorscope", "postqrtoken"]
)
def test_every_orgs_changelist_and_add_page_opens(admin_client, world, model):
    factories.QrTokenFactory(post=world.post)
    assert admin_client.get(f"/admin/orgs/{model}/").status_code == 200
    assert admin_client.get(f"/admin/orgs/{model}/add/").status_code == (403 if model == "postqrtoken" else 200)


def test_qr_tokens_are_read_only_in_the_admin(admin_client, world):
    token = factories.QrTokenFactory(post=world.post)
    page = admin_client.get(f"/admin/orgs/postqrtoken/{token.id}/change/")
    assert page.status_code == 200
    assert 'name="token"' not in page.content.decode()
    assert admin_client.post(f"/admin/orgs/postqrtoken/{token.id}/delete/", {"post": "yes"}).status_code == 403


def test_a_worker_cannot_open_the_admin(client, world):
    client.force_login(world.worker)
    assert client.get("/admin/orgs/enterprise/").status_code == 302


def test_a_superuser_logs_in_through_the_admin_login_form(client, world, superuser):
    response = client.post(
        "/admin/login/?next=/admin/orgs/enterprise/",
        {"username": superuser.username, "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/orgs/enterprise/"
    assert client.get(f"/admin/orgs/enterprise/{world.enterprise.id}/change/").status_code == 200
