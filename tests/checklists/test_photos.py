import uuid
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from checklists.models import Photo
from tests.checklists.conftest import jpeg_bytes

URL = "/api/v1/photos/"


def upload(api, person, data, client_uuid=None, name="p.jpg"):
    body = {"client_uuid": client_uuid or str(uuid.uuid4()), "image": SimpleUploadedFile(name, data, "image/jpeg")}
    return api.as_(person).post(URL, body, format="multipart")


def exif_with(orientation=None, gps=False, taken="2024:07:03 08:05:00"):
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = taken
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (30.0, 23.0, 0.0), 3: "E", 4: (114.0, 53.0, 0.0)})
    return exif


def test_a_photo_is_stored_with_a_thumbnail_and_its_hash(api, world):
    response = upload(api, world.worker, jpeg_bytes(size=(1200, 900)))
    assert response.status_code == 201, response.data
    photo = Photo.objects.get()
    assert (photo.width, photo.height, photo.uploaded_by) == (1200, 900, world.worker)
    with Image.open(photo.thumbnail.path) as thumb:
        assert max(thumb.size) == 320
    assert len(photo.sha256) == 64


def test_a_replay_of_the_same_upload_returns_the_stored_photo(api, world):
    key, data = str(uuid.uuid4()), jpeg_bytes()
    first, again = upload(api, world.worker, data, key), upload(api, world.worker, data, key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.data["id"] == again.data["id"] and Photo.objects.count() == 1


def test_other_bytes_under_the_same_client_uuid_are_a_409(api, world):
    key = str(uuid.uuid4())
    upload(api, world.worker, jpeg_bytes(), key)
    response = upload(api, world.worker, jpeg_bytes(color=(0, 0, 255)), key)
    assert response.status_code == 409 and response.data["field"] == "client_uuid"
    assert upload(api, world.officer, jpeg_bytes(), key).status_code == 409


def test_a_file_that_is_not_an_image_is_a_400_naming_image(api, world):
    response = upload(api, world.worker, b"%PDF-1.4 not a photo", name="x.jpg")
    assert response.status_code == 400 and response.data["field"] == "image"
    truncated = jpeg_bytes(size=(300, 300))[:200]
    assert upload(api, world.worker, truncated).status_code == 400
    assert Photo.objects.count() == 0


def test_a_gif_is_refused(api, world):
    out = BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    response = upload(api, world.worker, out.getvalue())
    assert response.status_code == 400 and response.data["code"] == "unsupported_image"


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded(api, world, settings):
    out = BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")  # 81 megapixels in a few kB
    assert len(out.getvalue()) < 100_000
    response = upload(api, world.worker, out.getvalue())
    assert response.status_code == 400 and response.data["code"] == "image_too_large"


def test_a_photo_over_the_byte_limit_is_refused(api, world, settings):
    settings.PHOTO_MAX_BYTES = 1000
    response = upload(api, world.worker, jpeg_bytes(size=(400, 400)))
    assert response.status_code == 400 and response.data["field"] == "image"


def test_exif_orientation_is_applied_and_gps_is_stripped(api, world):
    data = jpeg_bytes(size=(40, 20), exif=exif_with(orientation=6, gps=True))
    with Image.open(BytesIO(data)) as original:
        assert original.getexif().get_ifd(0x8825)  # the upload does carry a position
    response = upload(api, world.worker, data)
    assert response.status_code == 201
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (20, 40)  # rotated upright
    with Image.open(photo.image.path) as stored:
        assert stored.size == (20, 40)
        assert not stored.getexif().get_ifd(0x8825)
        assert not stored.getexif()
    assert photo.taken_at.isoformat() == "2024-07-03T00:05:00+00:00"  # 08:05 Beijing time


def test_photos_are_readable_by_their_uploader_but_not_by_an_outsider(api, world):
    photo_id = upload(api, world.worker, jpeg_bytes()).data["id"]
    assert api.as_(world.worker).get(f"{URL}{photo_id}/").status_code == 200
    assert api.as_(world.outsider).get(f"{URL}{photo_id}/").status_code == 404


def test_anonymous_uploads_are_refused(api, world):
    response = api.post(URL, {"client_uuid": str(uuid.uuid4())}, format="multipart")
    assert response.status_code == 401
