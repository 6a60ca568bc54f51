"""Inspection.first_of_slot: the record that counts for its (post, template, period), stored so that the
statistics count rows instead of grouping every record by slot.

The backfill marks, per slot, the record the statistics counted until now (reports.selectors, as in
checklists_due): the earliest received on-time record, or the earliest record when all are late. The
figures of existing archives are therefore unchanged. From now on inspection_submit marks the first
record stored, which is the same record because a slot's records are stored in the order received.
"""

from django.db import migrations, models

BATCH = 2000

BACKFILL_SQL = """
UPDATE checklists_inspection AS i SET first_of_slot = TRUE
FROM (
    SELECT DISTINCT ON (post_id, template_id, period) id
    FROM checklists_inspection
    ORDER BY post_id, template_id, period, late, received_at, id
) AS first
WHERE i.id = first.id
"""


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKFILL_SQL)
        return
    # Portable path (SQLite in development): read the slots in order, then update in batches (not while
    # iterating: SQLite does not isolate a cursor from writes on the same connection).
    Inspection = apps.get_model("checklists", "Inspection")
    records = Inspection.objects.using(schema_editor.connection.alias)
    rows = records.order_by("post_id", "template_id", "period", "late", "received_at", "id").values_list(
        "id", "post_id", "template_id", "period"
    )
    chosen, previous = [], None
    for pk, *slot in rows:
        if slot != previous:
            chosen.append(pk)
            previous = slot
    for start in range(0, len(chosen), BATCH):
        records.filter(pk__in=chosen[start : start + BATCH]).update(first_of_slot=True)


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0002_item_normal_range"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspection",
            name="first_of_slot",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="inspection",
            constraint=models.UniqueConstraint(
                condition=models.Q(("first_of_slot", True)),
                fields=("post", "template", "period"),
                name="inspection_one_first_per_slot",
            ),
        ),
    ]
