"""The English catalogue: complete, compiled, and what an English-speaking client actually reads."""

import gettext
import re
import uuid
from pathlib import Path

import pytest
from django.utils import timezone, translation

from tests import factories

LC_MESSAGES = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"
URL = "/api/v1/inspections/"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]")


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as {msgid, msgstr, flags}; obsolete (#~) entries are left out."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry, current = {"flags": set()}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgctxt|msgid|msgstr)\s+"(.*)"$', line):
                current = match.group(1)
                entry[current] = _unquote(match.group(2))
            elif line.startswith('"'):
                entry[current] += _unquote(line[1:-1])
            else:
                raise AssertionError(f"unexpected line in {path.name}: {line!r}")
        if "msgid" in entry:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    return [e for e in parse_po(LC_MESSAGES / "django.po") if e["msgid"]]  # the header has an empty msgid


def test_the_catalogue_has_entries(entries):
    assert len(entries) > 100


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    untranslated = [e["msgid"] for e in entries if not e["msgstr"].strip()]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [] and fuzzy == []


def test_translations_keep_every_placeholder_of_the_source(entries):
    mismatched = [
        (e["msgid"], e["msgstr"])
        for e in entries
        if sorted(PLACEHOLDER.findall(e["msgid"])) != sorted(PLACEHOLDER.findall(e["msgstr"]))
    ]
    assert mismatched == []


def test_translations_speak_english_and_quote_labels_the_english_way(entries):
    # A CJK character left in a msgstr is an untranslated bit; 「」 become “” (the admin help text that
    # shows a literal stored title "关" is the one exception).
    cjk = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    leftovers = [e["msgstr"] for e in entries if cjk.search(e["msgstr"].replace('"关"', ""))]
    assert leftovers == []


def test_the_header_declares_english_utf8_and_plural_forms():
    header = next(e for e in parse_po(LC_MESSAGES / "django.po") if e["msgid"] == "")["msgstr"]
    assert "Language: en\n" in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header


def test_the_compiled_catalogue_matches_the_po_file(entries):
    # The .mo is committed (a fresh machine may lack gettext); a stale one would serve old English.
    with open(LC_MESSAGES / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [e["msgid"] for e in entries if compiled.gettext(e["msgid"]) != e["msgstr"]]
    assert stale == []


def test_django_serves_the_english_text_for_a_domain_message():
    with translation.override("en"):
        assert translation.gettext("该岗位尚未发布明白卡。") == (
            "No responsibility card has been published for this post yet."
        )
    with translation.override("zh-hans"):
        assert translation.gettext("该岗位尚未发布明白卡。") == "该岗位尚未发布明白卡。"


def _daily_body(world) -> dict:
    template = factories.TemplateFactory(enterprise=world.enterprise, posts=[world.post])
    item = factories.ItemFactory(template=template, label="灭火器压力正常")
    return {
        "client_uuid": str(uuid.uuid4()),
        "template": template.id,
        "post": world.post.id,
        "started_at": timezone.now().isoformat(),
        "results": [{"item": item.id, "value": "ok"}],
    }


def test_a_regulator_writing_an_inspection_is_told_why_in_english(api, world):
    body = _daily_body(world)
    response = api.as_(world.regulator).post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json()["message"] == "Regulators can only view; they cannot submit inspection records."


def test_a_missing_required_item_is_named_in_english_quotes(api, world):
    body = _daily_body(world)
    required = factories.ItemFactory(template_id=body["template"], label="安全阀完好")
    response = api.as_(world.worker).post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    messages = [error["message"] for error in response.json()["errors"]]
    assert f"Required item {required.id} “安全阀完好” is missing." in messages


def test_a_post_without_a_card_is_reported_in_english_or_chinese_as_asked(api, world):
    url = f"/api/v1/posts/{world.post.id}/card/"
    english = api.as_(world.worker).get(url, HTTP_ACCEPT_LANGUAGE="en")
    chinese = api.as_(world.worker).get(url)
    assert english.status_code == chinese.status_code == 404
    assert english.json()["message"] == "No responsibility card has been published for this post yet."
    assert chinese.json()["message"] == "该岗位尚未发布明白卡。"
