"""Backups you can restore: manage.py backup on a seeded PostgreSQL database, manage.py restore into a
new database and media folder, then the same rows, the archive's chains holding, every photo's bytes."""

import hashlib
from pathlib import Path

import psycopg
import pytest

from core.backup import SUMS
from tests.production import harness

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def row_counts(database: str) -> dict[str, int]:
    with psycopg.connect(harness.pg_url(database)) as conn:
        tables = [
            row[0]
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        ]
        return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def hashes(folder) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_a_backup_restores_into_a_new_database_and_media_folder(django_db_blocker, tmp_path):
    with django_db_blocker.unblock(), harness.cloned_database("backup") as source:
        env = harness.production_env(source, tmp_path / "live", DJANGO_ALLOWED_HOSTS="testserver")
        env["DJANGO_DEBUG"] = "1"  # the seed script's API client; the backup itself does not care
        harness.seed(env, records=3)
        media = tmp_path / "live" / "media"
        assert len(hashes(media)) == 6  # 3 photos and their thumbnails

        out = harness.run_manage(["backup", str(tmp_path / "backups")], env)
        folder = next((tmp_path / "backups").iterdir())
        assert f"backup written: {folder}" in out
        sums = (folder / SUMS).read_text()
        assert "  db.dump\n" in sums and sums.count("  media/") == 6

        # The next night's backup links the photos the last one holds instead of copying them again.
        second = Path(harness.run_manage(["backup", str(tmp_path / "backups")], env).split(": ")[-1].strip())
        assert second != folder and all(p.stat().st_nlink == 2 for p in (second / "media").rglob("*.jpg"))

        with harness.cloned_database("restored", empty=True) as target:
            restored_media = tmp_path / "restored-media"
            harness.run_manage(
                ["restore", str(folder), "--database-url", harness.pg_url(target), "--media-root", str(restored_media)],
                env,
            )
            counts = row_counts(source)
            assert counts["checklists_inspection"] == 3 and counts["checklists_photo"] == 3
            assert row_counts(target) == counts
            assert hashes(restored_media) == hashes(media)  # every photo, byte for byte
            verified = harness.run_manage(
                ["verify_archive"], {**env, "DATABASE_URL": harness.pg_url(target), "MEDIA_ROOT": str(restored_media)}
            )
            assert "archive verified: every chain holds" in verified

        # A damaged backup is refused before anything is restored.
        next((folder / "media").rglob("*.jpg")).write_bytes(b"damaged")
        with pytest.raises(RuntimeError, match="does not match its SHA256SUMS"):
            harness.run_manage(["restore", str(folder), "--database-url", harness.pg_url(source)], env)
