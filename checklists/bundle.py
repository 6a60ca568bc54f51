"""An enterprise's archive as a signed bundle that verifies offline, without the database.

Layout (a directory, or the same files in a zip):
    records.jsonl    one line per inspection, in sequence: {"record", "prev_hash", "hash"}; `record`
                     is exactly what the archive hash covers (checklists.archive.inspection_record)
    photos/<id>.jpg  the stored copy of every photo cited (record photos are the uploads' sha256;
                     photos.json maps them to these files)
    photos.json      {upload sha256: "photos/<id>.jpg"}
    manifest.json    format, enterprise, export time, chain head, and the sha256 of every file above
    manifest.sig     HMAC-SHA256 of manifest.json's bytes with settings.ARCHIVE_BUNDLE_KEY (hex)

Verifying: the signature, every file against the manifest, then the chain recomputed record by
record (sequence 1, 2, ...; each prev_hash the hash before; each hash over its record).
"""

import hashlib
import hmac
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from checklists.archive import archive_hash, canonical_json, inspection_record

FORMAT = "mingbai-archive-bundle/1"
RECORDS, PHOTOS_INDEX, MANIFEST, SIGNATURE = "records.jsonl", "photos.json", "manifest.json", "manifest.sig"


def sign(key: bytes, manifest: bytes) -> str:
    return hmac.new(key, manifest, hashlib.sha256).hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export_bundle(*, enterprise, out: Path, key: bytes) -> dict:
    """Write the bundle of `enterprise` to `out` (a .zip file or a directory); returns the manifest."""
    from checklists.models import ArchiveHead, Inspection

    files: dict[str, bytes] = {}
    lines, photo_files = [], {}
    records = Inspection.objects.filter(enterprise=enterprise).order_by("sequence").prefetch_related("results__photos")
    for inspection in records.iterator(chunk_size=500):
        results = list(inspection.results.all())
        photo_hashes = {}
        for result in results:
            photo_hashes[id(result)] = [p.sha256 for p in result.photos.all()]
            for photo in result.photos.all():
                name = f"photos/{photo.id}.jpg"
                if name not in files:
                    with photo.image.open("rb") as stored:
                        files[name] = stored.read()
                    photo_files[photo.sha256] = name
        record = inspection_record(inspection, results, photo_hashes)
        lines.append(canonical_json({"record": record, "prev_hash": inspection.prev_hash, "hash": inspection.hash}))
    files[RECORDS] = ("\n".join(lines) + "\n" if lines else "").encode()
    files[PHOTOS_INDEX] = canonical_json(photo_files).encode()
    head = ArchiveHead.objects.filter(pk=enterprise.pk).first()
    manifest = {
        "format": FORMAT,
        "enterprise": {"id": enterprise.id, "name": enterprise.name, "credit_code": enterprise.credit_code},
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": len(lines),
        "head": {"sequence": head.last_sequence, "hash": head.last_hash} if head else {"sequence": 0, "hash": ""},
        "files": {name: _sha256(data) for name, data in sorted(files.items())},
    }
    files[MANIFEST] = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
    files[SIGNATURE] = (sign(key, files[MANIFEST]) + "\n").encode()
    _write(out, files)
    return manifest


def _write(out: Path, files: dict[str, bytes]) -> None:
    if out.suffix == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for name, data in files.items():
                bundle.writestr(name, data)
        return
    for name, data in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _read_all(path: Path) -> dict[str, bytes]:
    if path.is_file():
        with zipfile.ZipFile(path) as bundle:
            return {info.filename: bundle.read(info) for info in bundle.infolist() if not info.is_dir()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def verify_bundle(path: Path, *, key: bytes) -> list[str]:
    """Every problem found in the bundle at `path` (empty: it verifies). Touches no database."""
    try:
        files = _read_all(Path(path))
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"cannot read the bundle: {exc}"]
    if MANIFEST not in files or SIGNATURE not in files:
        return ["manifest.json or manifest.sig is missing"]
    if not hmac.compare_digest(files[SIGNATURE].decode(errors="replace").strip(), sign(key, files[MANIFEST])):
        return ["the signature does not match manifest.json (altered, or signed with another key)"]
    manifest = json.loads(files[MANIFEST])
    if manifest.get("format") != FORMAT:
        return [f"unknown format {manifest.get('format')!r}"]
    problems = []
    listed = manifest["files"]
    for name in sorted(set(files) - {MANIFEST, SIGNATURE} - set(listed)):
        problems.append(f"{name}: not listed in the manifest")
    for name, digest in listed.items():
        if name not in files:
            problems.append(f"{name}: missing")
        elif _sha256(files[name]) != digest:
            problems.append(f"{name}: content does not match the manifest")
    if problems:
        return problems
    photo_files = json.loads(files[PHOTOS_INDEX])
    prev_hash, sequence = "", 0
    for line in files[RECORDS].decode().splitlines():
        entry = json.loads(line)
        record, sequence = entry["record"], sequence + 1
        where = f"record #{sequence}"
        if record["sequence"] != sequence:
            problems.append(f"{where}: sequence {record['sequence']} (a record is missing)")
            break
        if entry["prev_hash"] != prev_hash:
            problems.append(f"{where}: prev_hash does not match the record before it")
            break
        if archive_hash(prev_hash, record) != entry["hash"]:
            problems.append(f"{where}: content does not match its hash")
            break
        for result in record["results"]:
            problems += [f"{where}: photo {h} is not in the bundle" for h in result["photos"] if h not in photo_files]
        prev_hash = entry["hash"]
    head = manifest["head"]
    if not problems and (head["sequence"] != sequence or head["hash"] != prev_hash):
        problems.append(f"the chain ends at record #{sequence}, the archive head at #{head['sequence']}")
    return problems
