"""Backups you can restore (manage.py backup / manage.py restore; README "Production").

A backup is a folder <UTC time> holding:
  db.dump            pg_dump's custom format (one consistent snapshot of the whole database)
  media/             the photo files (file storage), copied after the dump: a photo's file is written
                     before its row commits, so every file a dumped row names is there. Photos never
                     change: a file the previous backup holds with the same size is hard-linked from it,
                     so a nightly backup costs the day's new photos, not the whole folder again
  media-manifest.json  with object storage instead: every object's key, size and ETag (the bucket
                     keeps the bytes, with versioning and replication of its own)
  SHA256SUMS         the SHA-256 of every file above (sha256sum -c reads it)
written under a temporary name and renamed when complete, so a half-written backup is never taken
for one.
"""

import hashlib
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.db import connections

from core.files import storage_is_remote

SUMS = "SHA256SUMS"
STAMP = "%Y%m%dT%H%M%SZ"


def libpq_env(database: dict) -> dict:
    """Environment for pg_dump / pg_restore from a Django DATABASES entry (the password never on argv)."""
    if not database["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("backup and restore need PostgreSQL (DATABASE_URL=postgres://...)")
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            env[variable] = str(database[key])
    env["PGDATABASE"] = database["NAME"]
    return env


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sums_write(folder: Path) -> None:
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != SUMS):
        lines.append(f"{file_sha256(path)}  {path.relative_to(folder).as_posix()}\n")
    (folder / SUMS).write_text("".join(lines))


def sums_check(folder: Path) -> list[str]:
    """The files whose hash does not match SHA256SUMS, or that are missing; [] when all match."""
    sums = folder / SUMS
    if not sums.exists():
        return [SUMS]
    bad = []
    for line in sums.read_text().splitlines():
        expected, name = line.split("  ", 1)
        path = folder / name
        if not path.is_file() or file_sha256(path) != expected:
            bad.append(name)
    return bad


def media_manifest(storage) -> list[dict]:
    """Every object under the storage's prefix: key, size, ETag (object storage)."""
    bucket = storage.bucket
    prefix = storage.location.strip("/")
    return [
        {"key": obj.key, "size": obj.size, "etag": obj.e_tag.strip('"')}
        for obj in bucket.objects.filter(Prefix=f"{prefix}/" if prefix else "")
    ]


def _linker(source_root: Path, previous: Path | None):
    """copytree's copy function: a hard link to the previous backup's identical file, else a copy."""

    def copy(source, target):
        if previous is not None:
            earlier = previous / Path(source).relative_to(source_root)
            try:
                if earlier.stat().st_size == os.stat(source).st_size:
                    os.link(earlier, target)
                    return target
            except OSError:
                pass
        return shutil.copy2(source, target)

    return copy


def backup_previous(destination: Path) -> Path | None:
    """The newest complete backup in `destination`, if any."""
    done = sorted(p for p in destination.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / SUMS).exists())
    return done[-1] if done else None


def backup_write(destination: Path, *, alias: str = "default") -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    name = datetime.now(UTC).strftime(STAMP)
    previous = backup_previous(destination)
    partial = destination / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    env = libpq_env(connections[alias].settings_dict)
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={partial / 'db.dump'}"],
        env=env,
        check=True,
    )
    if storage_is_remote(default_storage):
        manifest = media_manifest(default_storage)
        (partial / "media-manifest.json").write_text(json.dumps(manifest, indent=1))
    else:
        media = Path(settings.MEDIA_ROOT)
        if media.is_dir():
            earlier = previous / "media" if previous is not None else None
            shutil.copytree(media, partial / "media", copy_function=_linker(media, earlier))
        else:
            (partial / "media").mkdir()
    sums_write(partial)
    final = destination / name
    partial.rename(final)
    return final


def backups_to_delete(names: list[str], *, keep_daily: int, keep_monthly: int) -> list[str]:
    """Retention: the newest `keep_daily` backups, and the newest backup of each of the last
    `keep_monthly` months; the others are deleted."""
    ordered = sorted(names, reverse=True)
    keep = set(ordered[:keep_daily])
    months = []
    for name in ordered:
        month = name[:6]
        if month not in months:
            months.append(month)
            if len(months) <= keep_monthly:
                keep.add(name)
    return [name for name in ordered if name not in keep]
