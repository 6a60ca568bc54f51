from django.db import migrations, models

from checklists.tallies import rebuild_slot_tallies


def count_existing_records(apps, schema_editor):
    # The checks only: this model has no `flagged` yet; 0009 counts the records.
    rebuild_slot_tallies(
        apps.get_model("checklists", "Inspection"), apps.get_model("checklists", "ArchiveHead"), records=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0004_drop_indexes_covered_by_composite_ones"),
    ]

    operations = [
        migrations.AddField(
            model_name="archivehead",
            name="slot_tallies",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(count_existing_records, migrations.RunPython.noop),
    ]
