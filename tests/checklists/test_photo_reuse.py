"""Reused photos (issue 12): the same bytes, or a copy of the picture, used by a record of the same
enterprise on another day or at another post is flagged photo_reused; the display copy is watermarked."""

import hashlib
import importlib.util
import uuid
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image, ImageEnhance, ImageStat
from skimage import data as samples

from checklists import photo_display, photo_reuse
from checklists.models import ArchiveHead, Inspection, Photo, PhotoUse
from tests import factories
from tests.checklists.conftest import jpeg_bytes, submission

ROOT = Path(__file__).resolve().parents[2]
DAY1 = datetime(2024, 7, 3, 0, 5, tzinfo=UTC)  # 08:05 in Beijing
DAY2 = datetime(2024, 7, 4, 0, 5, tzinfo=UTC)


def picture(name: str) -> Image.Image:
    return Image.fromarray(getattr(samples, name)()).convert("RGB")


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def upload(api, person, data: bytes) -> int:
    body = {"client_uuid": str(uuid.uuid4()), "image": SimpleUploadedFile("p.jpg", data, "image/jpeg")}
    response = api.as_(person).post("/api/v1/photos/", body, format="multipart")
    assert response.status_code == 201, response.data
    return response.data["id"]


def submit(api, person, daily, post, photos_by_item: dict, at: datetime) -> Inspection:
    """A record at `post` captured at `at` (the clock travels there), citing photos on its items."""
    with time_machine.travel(at, tick=False):
        body = submission(daily, post, started_at=at.isoformat())
        for result in body["results"]:
            result["photos"] = photos_by_item.get(result["item"], [])
        response = api.as_(person).post("/api/v1/inspections/", body, format="json")
        assert response.status_code == 201, response.data
    return Inspection.objects.get(pk=response.data["id"])


def reuse_flags(inspection: Inspection) -> list[dict]:
    return [f for f in inspection.flags if f["code"] == "photo_reused"]


def record_with(api, world, daily, data: bytes, *, at=DAY1, post=None, person=None) -> tuple[Inspection, int]:
    person = person or world.worker
    with time_machine.travel(at, tick=False):
        photo = upload(api, person, data)
    return submit(api, person, daily, post or world.post, {daily.extinguisher.id: [photo]}, at), photo


# ---------------------------------------------------------------------------------------------
# Flags on the API


def test_the_same_photo_bytes_on_another_days_record_are_flagged_with_the_earlier_record(api, world, daily):
    data = jpeg(picture("astronaut"))
    earlier, earlier_photo = record_with(api, world, daily, data, at=DAY1)
    assert reuse_flags(earlier) == []
    later, photo = record_with(api, world, daily, data, at=DAY2)  # uploaded again: another photo, same bytes
    [flag] = reuse_flags(later)
    assert flag["label"] == "照片重复使用"
    assert flag["detail"] == {
        "photo": photo,
        "earlier_inspection": earlier.id,
        "earlier_photo": earlier_photo,
        "earlier_post": world.post.id,
        "earlier_day": "2024-07-03",
        "match": "exact",
        "compared": "bytes",
        "distance": 0,
    }
    assert later.flagged
    detail = api.as_(world.officer).get(f"/api/v1/inspections/{later.id}/").data
    assert "photo_reused" in [f["code"] for f in detail["flags"]]


def test_the_same_photo_cited_again_on_another_day_is_flagged(api, world, daily):
    earlier, photo = record_with(api, world, daily, jpeg(picture("coffee")), at=DAY1)
    later = submit(api, world.worker, daily, world.post, {daily.valve.id: [photo]}, DAY2)
    [flag] = reuse_flags(later)
    assert (flag["detail"]["photo"], flag["detail"]["earlier_photo"]) == (photo, photo)
    assert flag["detail"]["earlier_inspection"] == earlier.id


@pytest.mark.parametrize(
    "copy",
    [
        pytest.param(lambda im: jpeg(im, quality=60), id="re-encoded"),
        pytest.param(lambda im: jpeg(im.resize((im.width // 2, im.height // 2))), id="resized"),
        pytest.param(lambda im: jpeg(ImageEnhance.Brightness(im).enhance(1.2)), id="brighter"),
        pytest.param(lambda im: jpeg(im.crop((0, 0, round(im.width * 0.949), round(im.height * 0.949)))), id="cropped"),
    ],
)
def test_a_copy_of_an_earlier_photo_is_flagged_as_a_perceptual_match(api, world, daily, copy):
    original = picture("astronaut")
    earlier, earlier_photo = record_with(api, world, daily, jpeg(original), at=DAY1)
    later, photo = record_with(api, world, daily, copy(original), at=DAY2)
    [flag] = reuse_flags(later)
    assert flag["detail"]["match"] == "perceptual"
    assert flag["detail"]["earlier_photo"] == earlier_photo and flag["detail"]["earlier_inspection"] == earlier.id
    assert 0 <= flag["detail"]["distance"] <= photo_reuse.REGION_THRESHOLD


def test_distinct_photographs_are_not_flagged(api, world, daily):
    record_with(api, world, daily, jpeg(picture("astronaut")), at=DAY1)
    record_with(api, world, daily, jpeg(picture("rocket")), at=DAY1)
    later, _ = record_with(api, world, daily, jpeg(picture("coffee")), at=DAY2)
    assert reuse_flags(later) == []


def test_a_photo_cited_twice_in_one_record_or_again_at_the_same_post_that_day_is_not_flagged(api, world, daily):
    with time_machine.travel(DAY1, tick=False):
        photo = upload(api, world.worker, jpeg(picture("chelsea")))
    first = submit(
        api, world.worker, daily, world.post, {daily.extinguisher.id: [photo], daily.valve.id: [photo]}, DAY1
    )
    assert reuse_flags(first) == []
    again = submit(api, world.worker, daily, world.post, {daily.valve.id: [photo]}, DAY1.replace(hour=6))
    assert reuse_flags(again) == []


def test_the_same_photo_at_another_post_the_same_day_is_flagged(api, world, daily):
    second_post = factories.PostFactory(enterprise=world.enterprise)
    second_post.holders.add(world.worker)
    daily.template.posts.add(second_post)
    earlier, photo = record_with(api, world, daily, jpeg(picture("coins")), at=DAY1)
    later = submit(api, world.worker, daily, second_post, {daily.extinguisher.id: [photo]}, DAY1.replace(hour=3))
    [flag] = reuse_flags(later)
    assert flag["detail"]["earlier_post"] == world.post.id and flag["detail"]["earlier_day"] == "2024-07-03"


def test_another_enterprises_use_of_the_photo_is_not_looked_at(api, world, daily):
    data = jpeg(picture("rocket"))
    template = factories.TemplateFactory(enterprise=world.other_enterprise, posts=[world.other_post])
    item = factories.ItemFactory(template=template)
    with time_machine.travel(DAY1, tick=False):
        theirs = upload(api, world.outsider, data)
        body = {
            "client_uuid": str(uuid.uuid4()),
            "template": template.id,
            "post": world.other_post.id,
            "started_at": DAY1.isoformat(),
            "results": [{"item": item.id, "value": "ok", "photos": [theirs]}],
        }
        assert api.as_(world.outsider).post("/api/v1/inspections/", body, format="json").status_code == 201
    later, _ = record_with(api, world, daily, data, at=DAY2)
    assert reuse_flags(later) == []


def test_uses_older_than_the_look_back_are_not_looked_at(api, world, daily, settings):
    settings.PHOTO_REUSE_LOOKBACK_DAYS = 1
    data = jpeg(picture("camera"))
    record_with(api, world, daily, data, at=DAY1)
    later, _ = record_with(api, world, daily, data, at=datetime(2024, 7, 6, 0, 5, tzinfo=UTC))
    assert reuse_flags(later) == []


def test_a_record_queued_offline_is_flagged_against_a_later_day_already_stored(api, world, daily):
    data = jpeg(picture("camera"))
    later, _ = record_with(api, world, daily, data, at=DAY2)
    with time_machine.travel(DAY2, tick=False):
        photo = upload(api, world.worker, data)
    # Captured on day 1, sent on day 2 (late): the record of day 2 already used the picture.
    with time_machine.travel(DAY2.replace(hour=2), tick=False):
        body = submission(daily, world.post, started_at=DAY1.isoformat())
        body["results"][0]["photos"] = [photo]
        response = api.as_(world.worker).post("/api/v1/inspections/", body, format="json")
    assert response.status_code == 201, response.data
    [flag] = reuse_flags(Inspection.objects.get(pk=response.data["id"]))
    assert flag["detail"]["earlier_inspection"] == later.id


def test_a_flat_picture_is_compared_by_its_bytes_only(api, world, daily):
    record_with(api, world, daily, jpeg_bytes(size=(200, 150), color=(10, 10, 10)), at=DAY1)
    later, photo = record_with(api, world, daily, jpeg_bytes(size=(200, 150), color=(12, 12, 12)), at=DAY2)
    assert Photo.objects.get(pk=photo).phash is None and Photo.objects.get(pk=photo).region_hashes == []
    assert reuse_flags(later) == []


# ---------------------------------------------------------------------------------------------
# Queries


def _submit_counting(api, person, daily, post, photos: list[int], at: datetime) -> tuple[int, int]:
    """(queries of the submission, of them those reading the photo index)."""
    with time_machine.travel(at, tick=False):
        body = submission(daily, post, started_at=at.isoformat())
        body["results"][0]["photos"] = photos
        with CaptureQueriesContext(connection) as captured:
            response = api.as_(person).post("/api/v1/inspections/", body, format="json")
    assert response.status_code == 201, response.data
    sql = [q["sql"] for q in captured.captured_queries]
    lookups = [s for s in sql if s.startswith("SELECT") and "checklists_photouse" in s]
    return len(sql), len(lookups)


def test_the_reuse_check_costs_one_query_whatever_the_number_of_photos(api, world, daily):
    ArchiveHead.objects.create(enterprise=world.enterprise)
    names = ["astronaut", "camera", "chelsea", "coffee", "coins", "rocket"]
    with time_machine.travel(DAY1, tick=False):
        ids = [upload(api, world.worker, jpeg(picture(name))) for name in names]
    record_with(api, world, daily, jpeg(picture("moon")), at=DAY1)  # something in the index to look at
    without = _submit_counting(api, world.worker, daily, world.post, [], DAY2.replace(hour=1))
    one = _submit_counting(api, world.worker, daily, world.post, ids[:1], DAY2.replace(hour=2))
    five = _submit_counting(api, world.worker, daily, world.post, ids[1:], DAY2.replace(hour=3))
    assert without[1] == 0  # a record without photos looks at nothing
    assert one[1] == five[1] == 1
    # Four more with photos, whatever their number: loading them, the lookup, the links, the index rows.
    assert one[0] == five[0] == without[0] + 4
    assert PhotoUse.objects.filter(photo_id__in=ids).values("photo_id").distinct().count() == 6


def test_the_lookup_reads_the_band_indexes(world):
    """The query plan of the lookup uses the (enterprise, band) indexes, not a scan of the table."""
    photo = Photo(id=1, sha256="ab" * 32, phash=0x0123456789ABCDEF, region_hashes=[42])
    query = PhotoUse.objects.filter(photo_reuse._probe([photo]), enterprise=world.enterprise, used_at__gte=DAY1).values(
        "value"
    )
    plan = query.explain()
    assert "photo_use_band" in plan, plan


# ---------------------------------------------------------------------------------------------
# The detector on the sample photographs (bench/photo_detector.py, its quick set)


def test_the_detector_meets_its_goals_on_the_sample_photographs():
    spec = importlib.util.spec_from_file_location("photo_detector", ROOT / "bench" / "photo_detector.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.evaluate(bench.QUICK, harder=False)
    assert result.copies == 9 * len(bench.QUICK)
    assert result.catch_rate >= 0.95, result.missed
    assert result.false_flag_rate <= 0.01 and result.original_false_flag_rate <= 0.01, result.flagged


def test_the_index_finds_every_pair_within_the_thresholds():
    """Pigeonhole: two hashes within 7 bits share a 16-bit band within 1 bit, which the probe covers."""
    value = 0x0F0F_F0F0_1234_8765
    for flips in ([0, 17, 33, 49, 1, 18, 34], [3, 4, 5, 6, 20, 40, 60], [63, 62, 47, 46, 31, 30, 15]):
        other = value
        for bit in flips:
            other ^= 1 << bit
        assert photo_reuse.distance(value, other) == 7
        assert any(
            b in photo_reuse._near(a) for a, b in zip(photo_reuse.bands(value), photo_reuse.bands(other), strict=True)
        )


def test_the_region_hashes_are_the_librarys_crop_resistant_hashes():
    """photo_reuse._region_hashes finds the segments by labelling, not by imagehash's flood fill (160 ms a
    photo): the hashes must stay those of imagehash.crop_resistant_hash, bit for bit, in its order, or the
    stored photos' hashes would stop matching new uploads of the same picture."""
    import imagehash
    import numpy
    from PIL import ImageOps

    noise = numpy.random.default_rng(12).integers(0, 256, (24, 32), dtype=numpy.uint8).repeat(10, 0).repeat(10, 1)
    astronaut = picture("astronaut")
    images = [ImageOps.equalize(picture(name).convert("L")) for name in ("astronaut", "camera", "coins", "page")] + [
        ImageOps.equalize(astronaut.crop((26, 26, 512, 512)).convert("L")),
        Image.fromarray(noise),
        Image.new("L", (320, 240), 128),  # no segment: the whole picture
    ]
    for image in images:
        expected = imagehash.crop_resistant_hash(
            image, hash_func=imagehash.dhash, limit_segments=photo_reuse.MAX_REGIONS
        ).segment_hashes
        assert [str(h) for h in photo_reuse._region_hashes(image)] == [str(h) for h in expected]


# ---------------------------------------------------------------------------------------------
# Hashes at upload, and of photos stored before


def test_an_upload_stores_the_perceptual_hashes(api, world):
    photo = Photo.objects.get(pk=upload(api, world.worker, jpeg(picture("coffee"))))
    assert photo.phash is not None and -(2**63) <= photo.phash < 2**63
    assert 1 <= len(photo.region_hashes) <= photo_reuse.MAX_REGIONS


def test_the_migration_hashes_stored_photos_and_indexes_recent_records(api, world, daily):
    now = datetime.now(UTC)
    record, photo_id = record_with(api, world, daily, jpeg(picture("coffee")), at=now)
    broken_id = upload(api, world.worker, jpeg(picture("rocket")))
    expected = Photo.objects.get(pk=photo_id)
    Photo.objects.update(phash=None, region_hashes=[])
    PhotoUse.objects.all().delete()
    broken = Photo.objects.get(pk=broken_id)
    Path(broken.image.path).write_bytes(b"not a picture any more")
    spec = importlib.util.spec_from_file_location(
        "m0008", ROOT / "checklists" / "migrations" / "0008_photo_perceptual_hash.py"
    )
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration.backfill(apps, None)
    hashed = Photo.objects.get(pk=photo_id)
    assert photo_reuse.distance(hashed.phash, expected.phash) <= photo_reuse.WHOLE_THRESHOLD
    assert hashed.region_hashes
    assert Photo.objects.get(pk=broken_id).phash is None  # unreadable: compared by its bytes only
    assert set(PhotoUse.objects.values_list("inspection_id", "photo_id").distinct()) == {(record.id, photo_id)}
    assert PhotoUse.objects.filter(kind=PhotoUse.Kind.EXACT).count() == 1


# ---------------------------------------------------------------------------------------------
# The rectification's "after" photo


def test_a_re_encoded_copy_of_the_before_photo_is_refused_as_after_evidence(api, world):
    from tests.hazards.conftest import assert_error, assign, hazard_url, report

    factories.MembershipFactory(enterprise=world.enterprise, role="safety_director")
    original = picture("chelsea")
    before = upload(api, world.worker, jpeg(original))
    hazard = assign(report(world, photos=[before]), by=world.officer, responsible=world.worker)
    copy = upload(api, world.worker, jpeg(original, quality=60))
    response = api.as_(world.worker).post(hazard_url(hazard, "submit"), {"note": "已整改", "photos": [copy]})
    assert_error(response, 400, "photos", "photo_reused")
    honest = upload(api, world.worker, jpeg(picture("coffee")))
    response = api.as_(world.worker).post(hazard_url(hazard, "submit"), {"note": "已整改", "photos": [honest]})
    assert response.status_code == 200, response.data


# ---------------------------------------------------------------------------------------------
# The display copy


def display_url(photo_id: int) -> str:
    return f"/api/v1/photos/{photo_id}/display.jpg"


def test_the_display_copy_is_watermarked_and_the_stored_copy_is_unchanged(api, world, daily):
    white = Image.new("RGB", (800, 600), (250, 250, 250))
    record, photo_id = record_with(api, world, daily, jpeg(white), at=DAY1)
    photo = Photo.objects.get(pk=photo_id)
    stored_before = hashlib.sha256(Path(photo.image.path).read_bytes()).hexdigest()

    response = api.as_(world.officer).get(display_url(photo_id))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg" and "private" in response["Cache-Control"]
    with Image.open(BytesIO(response.content)) as shown:
        assert shown.size == (800, 600)
        grey = shown.convert("L")
        assert ImageStat.Stat(grey.crop((0, 560, 800, 600))).mean[0] < 180  # the dark band with the text
        assert grey.crop((0, 0, 800, 400)).getextrema()[0] < 245  # the faint text across the picture
    assert hashlib.sha256(Path(photo.image.path).read_bytes()).hexdigest() == stored_before
    assert Photo.objects.get(pk=photo_id).sha256 == photo.sha256

    again = api.as_(world.officer).get(display_url(photo_id), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_the_watermark_names_the_time_the_post_and_the_person(api, world, daily):
    record, photo_id = record_with(api, world, daily, jpeg(picture("camera")), at=DAY1)
    watermark = photo_display.photo_watermark(Photo.objects.get(pk=photo_id))
    assert watermark.lines == (
        f"{world.post.name} · {world.worker.name}",
        f"2024-07-03 08:05 UTC+08:00 · #{photo_id}",
    )


def test_reading_the_display_copy_writes_nothing_and_is_scoped(api, world, daily):
    record, photo_id = record_with(api, world, daily, jpeg(picture("camera")), at=DAY1)
    with CaptureQueriesContext(connection) as captured:
        assert api.as_(world.worker).get(display_url(photo_id)).status_code == 200
        assert api.as_(world.regulator).get(display_url(photo_id)).status_code == 200
    writes = [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SELECT", "SAVEPOINT", "RELEASE"))
    ]
    assert writes == []
    assert api.as_(world.outsider).get(display_url(photo_id)).status_code == 404
    assert api.as_(None).get(display_url(photo_id)).status_code == 401
    detail = api.as_(world.worker).get(f"/api/v1/photos/{photo_id}/").data
    assert detail["display"].endswith(display_url(photo_id))


def test_a_photo_not_yet_cited_shows_no_post(api, world):
    with time_machine.travel(DAY1, tick=False):
        photo_id = upload(api, world.worker, jpeg(picture("coins")))
    watermark = photo_display.photo_watermark(Photo.objects.get(pk=photo_id))
    assert watermark.lines[0] == f"— · {world.worker.name}"
    assert api.as_(world.worker).get(display_url(photo_id)).status_code == 200
