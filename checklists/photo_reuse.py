"""Reused photos (DESIGN.md, "Fake-record defences"): a photo a new record cites whose exact bytes, or
whose picture, a record of the same enterprise already used on another day or at another post within
PHOTO_REUSE_LOOKBACK_DAYS (90) is flagged `photo_reused`. Stored and flagged, never refused.

What a photo is compared by (computed once at upload, `fingerprints`, with the `imagehash` library):
- its SHA-256 (the bytes as uploaded: the same file sent again);
- the pHash of the whole picture (a re-encoded, resized or brightness-shifted copy): a match within
  WHOLE_THRESHOLD bits of 64;
- the dHashes of its regions (imagehash.crop_resistant_hash, Jain et al. 2014: the picture is cut into
  bright and dark segments after histogram equalisation, each segment's box hashed): a cropped copy
  keeps most segments whole. A match when one region is within REGION_THRESHOLD bits of 64. The
  segments are found by `_region_hashes`, the library's algorithm with its pure-Python flood fill
  (~160 ms a photo, holding the GIL) replaced by scipy's connected-component labelling (~5 ms): the
  same hashes, bit for bit (a test compares them with the library's).
A flat picture (nearly one colour: a covered lens, a blank wall) has no perceptual hash: every flat
picture looks like every other; only its bytes are compared.

The thresholds were chosen on `bench/photo_detector.py` (scikit-image's sample photographs): 178 of 180
copies caught, no two distinct photographs flagged but a stereo pair (README, "Photos").

Where it looks (PhotoUse, written when a record is stored): one row per hash of each photo of each
record, with the enterprise, post, local day and capture time, and the 64-bit hash cut into four 16-bit
bands, each indexed after the enterprise. Two hashes within 7 bits share one band within 1 bit
(pigeonhole: 4 bands x 2 > 7), so the candidates of a whole submission are found with one indexed
query (band IN the band and its 16 one-bit neighbours); the exact distance is computed here.
"""

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import imagehash
import numpy
from django.conf import settings
from django.db.models import Q
from PIL import Image, ImageFilter, ImageOps, ImageStat
from scipy import ndimage

from checklists import flags
from checklists.models import Photo, PhotoUse

# Chosen on bench/photo_detector.py; the index finds every pair within 7 bits (see above), no further.
WHOLE_THRESHOLD = 4
REGION_THRESHOLD = 7
BANDS, BAND_BITS = 4, 16
PROBE_RADIUS = 1  # bits a band may differ by: covers distances up to BANDS * (PROBE_RADIUS + 1) - 1
assert max(WHOLE_THRESHOLD, REGION_THRESHOLD) < BANDS * (PROBE_RADIUS + 1)

HASH_SIDE = 512  # pictures are hashed at this size: a resized copy hashes like its original
MAX_REGIONS = 8  # the largest segments only: bounded rows per photo, and fewer chance matches
# imagehash.crop_resistant_hash's defaults, which _region_hashes reproduces.
SEGMENT_SIDE, SEGMENT_THRESHOLD, SEGMENT_MIN_PIXELS = 300, 128, 500
FLAT_STDDEV = 4.0  # grey levels (0-255): below it a picture has no perceptual hash
PHOTOS_PER_QUERY = 32  # ~620 band values a photo: stays below SQLite's and PostgreSQL's parameter limits

MATCH_EXACT, MATCH_PERCEPTUAL = "exact", "perceptual"


@dataclass(frozen=True)
class Fingerprint:
    """A picture's perceptual hashes as signed 64-bit integers (what a BigIntegerField holds)."""

    phash: int | None  # pHash of the whole picture; None for a flat picture
    regions: tuple[int, ...]  # dHash of each region (crop-resistant); () for a flat picture


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _unsigned(value: int) -> int:
    return value & ((1 << 64) - 1)


def _int(image_hash: imagehash.ImageHash) -> int:
    return _signed(int(str(image_hash), 16))


def distance(a: int, b: int) -> int:
    """Hamming distance of two 64-bit hashes (signed or not)."""
    return (_unsigned(a) ^ _unsigned(b)).bit_count()


def sha256_key(sha256: str) -> int:
    """The first 64 bits of a SHA-256 (hex), as the exact hash's row in the index."""
    return _signed(int(sha256[:16], 16))


def bands(value: int) -> tuple[int, ...]:
    value = _unsigned(value)
    mask = (1 << BAND_BITS) - 1
    return tuple((value >> (BAND_BITS * i)) & mask for i in range(BANDS))


def _near(band: int) -> set[int]:
    """The band and every value PROBE_RADIUS (1) bit away."""
    return {band} | {band ^ (1 << bit) for bit in range(BAND_BITS)}


def fingerprints(image: Image.Image) -> Fingerprint:
    """The perceptual hashes of a picture (any mode; upright, as stored)."""
    small = image.convert("RGB")
    small.thumbnail((HASH_SIDE, HASH_SIDE))
    grey = small.convert("L")
    if ImageStat.Stat(grey).stddev[0] < FLAT_STDDEV:
        return Fingerprint(None, ())
    whole = _int(imagehash.phash(small))
    # Equalised first: the segments are split at a fixed grey level, which a brightness shift moves.
    segments = _region_hashes(ImageOps.equalize(grey))
    return Fingerprint(whole, tuple(sorted({_int(h) for h in segments})))


_FOUR_NEIGHBOURS = ndimage.generate_binary_structure(2, 1)


def _segments(pixels: numpy.ndarray) -> list[tuple[int, tuple[slice, slice]]]:
    """(pixels, bounding box) of each segment imagehash._find_all_segments (4.3.2) keeps, in its order:
    the 4-connected bright regions ("hills", above SEGMENT_THRESHOLD), then the dark ones ("valleys"),
    each in the raster order of its first pixel, larger than SEGMENT_MIN_PIXELS. Its quirks are kept:
    it stops looking for valleys once its count of segmented pixels, which starts at the border outside
    the image and leaves out one-pixel regions, reaches the image's size."""
    rows, cols = pixels.shape
    counted = 2 * (rows + cols)
    kept = []
    for mask, hills in ((pixels > SEGMENT_THRESHOLD, True), (pixels <= SEGMENT_THRESHOLD, False)):
        labels, count = ndimage.label(mask, structure=_FOUR_NEIGHBOURS)
        if not count:
            continue
        flat = labels.ravel()
        sizes = numpy.bincount(flat, minlength=count + 1)[1:]
        inside = numpy.flatnonzero(flat)
        first = numpy.full(count, flat.size, dtype=numpy.int64)
        numpy.minimum.at(first, flat[inside] - 1, inside)
        boxes = ndimage.find_objects(labels)
        for label in numpy.argsort(first, kind="stable"):
            if not hills and counted >= rows * cols:
                break
            size = int(sizes[label])
            counted += size if size > 1 else 0
            if size > SEGMENT_MIN_PIXELS:
                kept.append((size, boxes[label]))
    return kept


def _region_hashes(image: Image.Image) -> list[imagehash.ImageHash]:
    """imagehash.crop_resistant_hash(image, hash_func=dhash, limit_segments=MAX_REGIONS).segment_hashes,
    with the segments found by labelling instead of the library's pure-Python flood fill."""
    side = SEGMENT_SIDE
    small = image.convert("L").resize((side, side), Image.Resampling.LANCZOS)
    small = small.filter(ImageFilter.GaussianBlur()).filter(ImageFilter.MedianFilter())
    segments = _segments(numpy.asarray(small, dtype=numpy.float32))
    if not segments:  # the whole picture, as the library does
        segments = [(2, (slice(0, side), slice(0, side)))]
    segments = sorted(segments, key=lambda segment: segment[0], reverse=True)[:MAX_REGIONS]  # stable, as there
    scale_x, scale_y = image.width / side, image.height / side
    return [
        imagehash.dhash(image.crop((xs.start * scale_x, ys.start * scale_y, xs.stop * scale_x, ys.stop * scale_y)))
        for _, (ys, xs) in segments
    ]


def photo_fingerprint(photo: Photo) -> Fingerprint:
    return Fingerprint(photo.phash, tuple(photo.region_hashes or ()))


@dataclass(frozen=True)
class Match:
    how: str  # MATCH_EXACT or MATCH_PERCEPTUAL
    compared: str  # "bytes", "whole" or "region"
    distance: int  # bits of 64 (0 for the same bytes)

    @property
    def rank(self) -> tuple:
        return (self.how != MATCH_EXACT, self.distance, self.compared != "whole")


def compare(new: Fingerprint, old: Fingerprint) -> Match | None:
    """Whether `new` looks like a copy of `old` (either way round), bytes aside: the rule the bench
    measures and the index serves."""
    best = None
    if new.phash is not None and old.phash is not None:
        d = distance(new.phash, old.phash)
        if d <= WHOLE_THRESHOLD:
            best = Match(MATCH_PERCEPTUAL, "whole", d)
    if new.regions and old.regions:
        d = min(distance(a, b) for a in new.regions for b in old.regions)
        if d <= REGION_THRESHOLD and (best is None or d < best.distance):
            best = Match(MATCH_PERCEPTUAL, "region", d)
    return best


def same_picture(new: Photo, old: Photo) -> bool:
    """The same bytes, or a whole picture within WHOLE_THRESHOLD: the rule for a rectification's "after"
    photo against the hazard's "before" ones. Regions are not compared there: an honest "after" photo of
    the same spot shares regions with the "before" one."""
    if new.sha256 == old.sha256:
        return True
    return new.phash is not None and old.phash is not None and distance(new.phash, old.phash) <= WHOLE_THRESHOLD


# ---------------------------------------------------------------------------------------------
# The index of photos used by records


def _local_day(instant, enterprise):
    return instant.astimezone(ZoneInfo(enterprise.timezone)).date()


def use_rows(*, photo: Photo, enterprise_id: int, post_id: int, inspection_id: int, day, used_at) -> list[PhotoUse]:
    """The index rows of one photo used by one record: its exact hash, its whole hash, its regions."""
    common = {
        "enterprise_id": enterprise_id,
        "post_id": post_id,
        "inspection_id": inspection_id,
        "photo_id": photo.id,
        "day": day,
        "used_at": used_at,
    }
    values = [(PhotoUse.Kind.EXACT, sha256_key(photo.sha256))]
    if photo.phash is not None:
        values.append((PhotoUse.Kind.WHOLE, photo.phash))
    values += [(PhotoUse.Kind.REGION, value) for value in photo.region_hashes or ()]
    rows = []
    for kind, value in values:
        b = bands(value)
        rows.append(PhotoUse(kind=kind, value=value, band0=b[0], band1=b[1], band2=b[2], band3=b[3], **common))
    return rows


def photo_uses_store(inspection, results) -> None:
    """Index the photos of a record just stored (inside its transaction): one bulk insert, none for a
    record without photos. `results` carry their Photo objects in `photo_objects`."""
    photos = {p.id: p for r in results for p in getattr(r, "photo_objects", ())}
    if not photos:
        return
    day = _local_day(inspection.started_at, inspection.enterprise)
    rows = []
    for photo in photos.values():
        rows += use_rows(
            photo=photo,
            enterprise_id=inspection.enterprise_id,
            post_id=inspection.post_id,
            inspection_id=inspection.id,
            day=day,
            used_at=inspection.started_at,
        )
    PhotoUse.objects.bulk_create(rows)


def _probe(photos: list[Photo]) -> Q:
    wanted = [set() for _ in range(BANDS)]
    for photo in photos:
        wanted[0].add(bands(sha256_key(photo.sha256))[0])  # the same bytes: the same first band
        fingerprint = photo_fingerprint(photo)
        for value in ([fingerprint.phash] if fingerprint.phash is not None else []) + list(fingerprint.regions):
            for i, band in enumerate(bands(value)):
                wanted[i] |= _near(band)
    condition = Q()
    for i, values in enumerate(wanted):
        if values:
            condition |= Q(**{f"band{i}__in": sorted(values)})
    return condition


def _candidates(*, enterprise, since, photos: list[Photo]) -> list[dict]:
    rows = []
    for start in range(0, len(photos), PHOTOS_PER_QUERY):
        chunk = photos[start : start + PHOTOS_PER_QUERY]
        rows += PhotoUse.objects.filter(_probe(chunk), enterprise=enterprise, used_at__gte=since).values(
            "kind", "value", "photo_id", "photo__sha256", "inspection_id", "post_id", "day", "used_at"
        )
    return rows


def _match(photo: Photo, fingerprint: Fingerprint, row: dict) -> Match | None:
    kind = row["kind"]
    if kind == PhotoUse.Kind.EXACT:
        return Match(MATCH_EXACT, "bytes", 0) if row["photo__sha256"] == photo.sha256 else None
    if kind == PhotoUse.Kind.WHOLE:
        return compare(fingerprint, Fingerprint(row["value"], ()))
    return compare(fingerprint, Fingerprint(None, (row["value"],)))


def photo_reuse_flags(*, enterprise, post, started_at, photos: list) -> list[dict]:
    """Flags (`checklists.flags.flag("photo_reused", ...)`) for the photos a new record cites that
    were seen before. Called by inspection_submit before the archive lock, only when the record cites
    photos (`photos`: Photo objects, loaded). Returns [] when nothing is suspicious.

    A photo is reused when a record of the same enterprise captured within the look-back (before or
    after this one: an offline queue sends late) used the same bytes or a copy of the picture, on
    another local day or at another post; a photo cited again at the same post on the same day (a
    correction, a second copy) is not. One flag per reused photo, naming the closest earlier use.
    One query for up to PHOTOS_PER_QUERY photos."""
    photos = list({p.id: p for p in photos}.values())
    if not photos:
        return []
    day = _local_day(started_at, enterprise)
    since = started_at - timedelta(days=settings.PHOTO_REUSE_LOOKBACK_DAYS)
    rows = [
        row
        for row in _candidates(enterprise=enterprise, since=since, photos=photos)
        if not (row["post_id"] == post.id and row["day"] == day)  # re-attached at the same post that day
    ]
    found = []
    for photo in photos:
        fingerprint = photo_fingerprint(photo)
        best = None
        for row in rows:
            match = _match(photo, fingerprint, row)
            if match is None:
                continue
            key = (match.rank, -row["used_at"].timestamp(), row["inspection_id"])
            if best is None or key < best[0]:
                best = (key, match, row)
        if best is not None:
            _, match, row = best
            found.append(
                flags.flag(
                    flags.PHOTO_REUSED,
                    photo=photo.id,
                    earlier_inspection=row["inspection_id"],
                    earlier_photo=row["photo_id"],
                    earlier_post=row["post_id"],
                    earlier_day=row["day"].isoformat(),
                    match=match.how,
                    compared=match.compared,
                    distance=match.distance,
                )
            )
    return found
