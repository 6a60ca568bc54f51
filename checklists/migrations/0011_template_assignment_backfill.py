"""Backfill the history of which templates applied to which posts (checklists.expected) from the
current configuration: each (template, post) pair from the later of their creation times, with the
template's tier. A template retired before the history existed is closed at its last record (or at its
creation when it has none): when exactly it was retired was not kept."""

from django.db import migrations
from django.db.models import Max


def backfill(apps, schema_editor):
    Template = apps.get_model("checklists", "ChecklistTemplate")
    Assignment = apps.get_model("checklists", "TemplateAssignment")
    Inspection = apps.get_model("checklists", "Inspection")
    last_record = dict(
        Inspection.objects.values("template_id").annotate(last=Max("received_at")).values_list("template_id", "last")
    )
    rows = []
    pairs = Template.posts.through.objects.values_list(
        "checklisttemplate_id", "post_id", "post__created_at", "checklisttemplate__created_at"
    )
    templates = {t.id: t for t in Template.objects.all()}
    for template_id, post_id, post_created, template_created in pairs.iterator():
        template = templates[template_id]
        start = max(post_created, template_created)
        end = None
        if not template.active:
            end = max(last_record.get(template_id) or template_created, start)
            if end <= start:
                continue  # never in force
        rows.append(
            Assignment(
                enterprise_id=template.enterprise_id,
                template_id=template_id,
                post_id=post_id,
                tier=template.tier,
                valid_from=start,
                valid_to=end,
            )
        )
    Assignment.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("checklists", "0010_template_assignment_history")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
