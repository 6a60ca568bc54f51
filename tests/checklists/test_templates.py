from checklists.models import ChecklistItem, ChecklistTemplate

URL = "/api/v1/templates/"


def template_body(world, **overrides):
    body = {
        "enterprise": world.enterprise.id,
        "name": "动火作业日检",
        "tier": "daily",
        "posts": [world.post.id],
        "items": [
            {"label": "动火证已办理", "kind": "check", "hazard_grade_on_fail": "major", "photo_on_fail": True},
            {"label": "可燃气体浓度", "kind": "number", "min_value": "0", "max_value": "25", "unit": "%LEL"},
            {"label": "现场照片", "kind": "photo", "required": False},
        ],
    }
    body.update(overrides)
    return body


def test_a_safety_officer_creates_a_template_with_its_items(api, world):
    response = api.as_(world.officer).post(URL, template_body(world))
    assert response.status_code == 201, response.data
    template = ChecklistTemplate.objects.get()
    assert [i.label for i in template.items.all()] == ["动火证已办理", "可燃气体浓度", "现场照片"]
    assert list(template.posts.all()) == [world.post]
    assert [i["order"] for i in response.data["items"]] == [1, 2, 3]


def test_updating_items_keeps_ids_adds_new_ones_and_deactivates_the_rest(api, world):
    created = api.as_(world.officer).post(URL, template_body(world)).data
    first, second, _ = created["items"]
    body = template_body(world, items=[{**second, "label": "可燃气体浓度(%LEL)"}, {"label": "消防通道畅通"}])
    response = api.as_(world.officer).put(f"{URL}{created['id']}/", body)
    assert response.status_code == 200, response.data
    assert [i["label"] for i in response.data["items"]] == ["可燃气体浓度(%LEL)", "消防通道畅通"]
    assert response.data["items"][0]["id"] == second["id"]
    assert ChecklistItem.objects.get(pk=first["id"]).active is False  # kept for the archive


def test_bad_templates_are_400_naming_the_field(api, world):
    cases = [
        (template_body(world, items=[]), "items"),
        (template_body(world, tier="yearly"), "tier"),
        (
            template_body(world, items=[{"label": "x", "kind": "number", "min_value": 5, "max_value": 1}]),
            "items[0].min_value",
        ),
        (template_body(world, posts=[world.other_post.id]), "posts"),
        (template_body(world, enterprise=world.other_enterprise.id), "enterprise"),
    ]
    for body, field in cases:
        response = api.as_(world.officer).post(URL, body)
        assert (response.status_code, response.data["field"]) == (400, field), response.data
    assert ChecklistTemplate.objects.count() == 0


def test_workers_and_regulators_may_read_but_not_write_templates(api, world):
    created = api.as_(world.officer).post(URL, template_body(world)).data
    assert api.as_(world.worker).post(URL, template_body(world)).status_code == 403
    assert api.as_(world.regulator).post(URL, template_body(world)).status_code == 403
    assert api.as_(world.worker).get(f"{URL}{created['id']}/").status_code == 200
    assert api.as_(world.regulator).get(f"{URL}{created['id']}/").status_code == 200
    assert api.as_(world.regulator).patch(f"{URL}{created['id']}/", {"name": "x"}).status_code == 403


def test_another_tenants_template_is_404(api, world):
    created = api.as_(world.officer).post(URL, template_body(world)).data
    assert api.as_(world.outsider).get(f"{URL}{created['id']}/").status_code == 404
    assert api.as_(world.outsider).patch(f"{URL}{created['id']}/", {"name": "x"}).status_code == 404
    assert api.as_(world.outsider).get(URL).data["count"] == 0


def test_the_normal_range_must_lie_within_the_input_bounds(api, world):
    item = {"label": "可燃气体浓度", "kind": "number", "min_value": 0, "max_value": 100, "normal_max": 25}
    created = api.as_(world.officer).post(URL, template_body(world, items=[item]))
    assert created.status_code == 201 and created.data["items"][0]["normal_max"] == "25.0000"
    outside = {**item, "normal_max": 120}
    response = api.as_(world.officer).post(URL, template_body(world, items=[outside]))
    assert (response.status_code, response.data["field"]) == (400, "items[0].normal_min")
    check_with_range = {"label": "阀门", "kind": "check", "normal_max": 1}
    response = api.as_(world.officer).post(URL, template_body(world, items=[check_with_range]))
    assert (response.status_code, response.data["field"]) == (400, "items[0].kind")
