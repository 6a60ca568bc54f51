"""Issue 12: perceptual hashes of photos and the index of photos used by records (checklists.photo_reuse).

The photos of the last PHOTO_REUSE_LOOKBACK_DAYS (uploaded then, or cited by a record captured then) are
hashed from the stored copy (about 10 ms each; an unreadable file keeps no perceptual hash and is still
compared by its bytes) and the records of that window are indexed: older uses are never looked at.
The hashing is checklists.photo_reuse's, as it is when this runs."""

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone


def backfill(apps, schema_editor):
    from zoneinfo import ZoneInfo

    from PIL import Image

    from checklists import photo_reuse

    Photo = apps.get_model("checklists", "Photo")
    PhotoUse = apps.get_model("checklists", "PhotoUse")
    Link = apps.get_model("checklists", "InspectionResult").photos.through
    since = timezone.now() - timedelta(days=settings.PHOTO_REUSE_LOOKBACK_DAYS)
    links = Link.objects.filter(inspectionresult__inspection__started_at__gte=since)
    cited = links.values("photo_id")
    photos = Photo.objects.filter(Q(created_at__gte=since) | Q(pk__in=cited)).order_by("pk")
    hashed = {}
    batch = []
    for photo in photos.iterator(chunk_size=200):
        try:
            with photo.image.open("rb") as stored, Image.open(stored) as image:
                image.draft("RGB", (photo_reuse.HASH_SIDE, photo_reuse.HASH_SIDE))
                fingerprint = photo_reuse.fingerprints(image)
        except Exception:  # missing or unreadable file: compared by its bytes only
            fingerprint = photo_reuse.Fingerprint(None, ())
        photo.phash, photo.region_hashes = fingerprint.phash, list(fingerprint.regions)
        hashed[photo.pk] = (photo.sha256, fingerprint)
        batch.append(photo)
        if len(batch) == 200:
            Photo.objects.bulk_update(batch, ["phash", "region_hashes"])
            batch = []
    if batch:
        Photo.objects.bulk_update(batch, ["phash", "region_hashes"])

    rows = []
    uses = links.values_list(
        "photo_id",
        "inspectionresult__inspection_id",
        "inspectionresult__inspection__enterprise_id",
        "inspectionresult__inspection__post_id",
        "inspectionresult__inspection__started_at",
        "inspectionresult__inspection__enterprise__timezone",
    ).distinct()
    for photo_id, inspection_id, enterprise_id, post_id, started_at, zone in uses.iterator(chunk_size=1000):
        sha256, fingerprint = hashed[photo_id]
        values = [(0, photo_reuse.sha256_key(sha256))]
        if fingerprint.phash is not None:
            values.append((1, fingerprint.phash))
        values += [(2, value) for value in fingerprint.regions]
        for kind, value in values:
            b = photo_reuse.bands(value)
            rows.append(
                PhotoUse(
                    enterprise_id=enterprise_id,
                    post_id=post_id,
                    inspection_id=inspection_id,
                    photo_id=photo_id,
                    day=started_at.astimezone(ZoneInfo(zone)).date(),
                    used_at=started_at,
                    kind=kind,
                    value=value,
                    band0=b[0],
                    band1=b[1],
                    band2=b[2],
                    band3=b[3],
                )
            )
        if len(rows) >= 1000:
            PhotoUse.objects.bulk_create(rows)
            rows = []
    if rows:
        PhotoUse.objects.bulk_create(rows)


class Migration(migrations.Migration):

    dependencies = [
        ('checklists', '0007_inspection_position'),
        ('orgs', '0006_post_geofence'),
    ]

    operations = [
        migrations.AddField(
            model_name='photo',
            name='phash',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='photo',
            name='region_hashes',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.CreateModel(
            name='PhotoUse',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('used_at', models.DateTimeField()),
                ('kind', models.PositiveSmallIntegerField(choices=[(0, 'sha256'), (1, 'phash'), (2, 'region dhash')])),
                ('value', models.BigIntegerField()),
                ('band0', models.IntegerField()),
                ('band1', models.IntegerField()),
                ('band2', models.IntegerField()),
                ('band3', models.IntegerField()),
                ('enterprise', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.enterprise')),
                ('inspection', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='checklists.inspection')),
                ('photo', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='uses', to='checklists.photo')),
                ('post', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.post')),
            ],
            options={
                'verbose_name': '照片使用记录',
                'verbose_name_plural': '照片使用记录',
                'indexes': [models.Index(fields=['enterprise', 'band0'], name='photo_use_band0'), models.Index(fields=['enterprise', 'band1'], name='photo_use_band1'), models.Index(fields=['enterprise', 'band2'], name='photo_use_band2'), models.Index(fields=['enterprise', 'band3'], name='photo_use_band3')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
