"""Group robots only at the official hosts (issue 11): the URL field gets its allow-list validator, and the
attempt log loses the answers it kept.

Before, a failed attempt stored "<what went wrong> (<the first 500 characters of the answer>)", where
staff read it; pointed at an internal address, that was whatever the internal service answered. The
answers are cut off here; from now on an attempt keeps the HTTP status and the platform's errcode only.
"""

from django.db import migrations, models

import hazards.validators


def drop_stored_answers(apps, schema_editor):
    WebhookAttempt = apps.get_model("hazards", "WebhookAttempt")
    changed = []
    for attempt in WebhookAttempt.objects.filter(error__contains=" (", error__endswith=")").only("id", "error"):
        attempt.error = attempt.error.split(" (", 1)[0]
        changed.append(attempt)
        if len(changed) == 500:
            WebhookAttempt.objects.bulk_update(changed, ["error"])
            changed = []
    WebhookAttempt.objects.bulk_update(changed, ["error"])


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookendpoint",
            name="url",
            field=models.URLField(
                max_length=500, validators=[hazards.validators.validate_robot_url], verbose_name="地址"
            ),
        ),
        migrations.RunPython(drop_stored_answers, migrations.RunPython.noop),
    ]
