"""Issue 12: the archive heads' tallies also count each month's records, received, on site and flagged
(checklists.tallies), for the statistics' on-site and flagged rates. Recounts every head from the
records already stored (one grouped query, as verify_archive recounts them); no schema change."""

from django.db import migrations

from checklists.tallies import rebuild_slot_tallies


def count_records(apps, schema_editor):
    rebuild_slot_tallies(apps.get_model("checklists", "Inspection"), apps.get_model("checklists", "ArchiveHead"))


def count_checks_only(apps, schema_editor):
    rebuild_slot_tallies(
        apps.get_model("checklists", "Inspection"), apps.get_model("checklists", "ArchiveHead"), records=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0008_photo_perceptual_hash"),
    ]

    operations = [
        migrations.RunPython(count_records, count_checks_only),
    ]
