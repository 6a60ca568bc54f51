"""Issue 12: scan events (on site means scanned), flags on records and a manager's look at them, and the
per-template minimum time per item. Records stored before keep their hashes: the archive record gains
the new keys only when they are set (checklists.archive), and no old record is flagged afterwards."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0005_archive_head_slot_tallies"),
        ("orgs", "0005_accounts_security"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="checklisttemplate",
            name="min_seconds_per_item",
            field=models.PositiveIntegerField(db_default=2, default=2, verbose_name="每项最少用时(秒)"),
        ),
        migrations.AddField(
            model_name="inspection",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="inspection",
            name="flagged",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.AddField(
            model_name="inspection",
            name="flags",
            field=models.JSONField(blank=True, db_default=[], default=list),
        ),
        migrations.CreateModel(
            name="FlagReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("note", models.CharField(max_length=1000, verbose_name="核查意见")),
                ("created_at", models.DateTimeField()),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "inspection",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="checklists.inspection",
                    ),
                ),
            ],
            options={
                "verbose_name": "标记核查",
                "verbose_name_plural": "标记核查",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="ScanEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scanned_at", models.DateTimeField()),
                ("user_agent", models.CharField(blank=True, max_length=200)),
                ("ip", models.GenericIPAddressField(blank=True, null=True)),
                (
                    "person",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scan_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "post",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scan_events",
                        to="orgs.post",
                    ),
                ),
                (
                    "token",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scan_events",
                        to="orgs.postqrtoken",
                    ),
                ),
            ],
            options={
                "verbose_name": "扫码记录",
                "verbose_name_plural": "扫码记录",
                "ordering": ["-scanned_at", "-id"],
                "indexes": [
                    models.Index(fields=["person", "post", "scanned_at"], name="scan_event_person_post_time")
                ],
            },
        ),
        migrations.AddField(
            model_name="inspection",
            name="scan_event",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="inspections",
                to="checklists.scanevent",
            ),
        ),
        migrations.AddIndex(
            model_name="inspection",
            index=models.Index(
                condition=models.Q(("flagged", True)),
                fields=["enterprise", "received_at"],
                name="inspection_flagged_by_day",
            ),
        ),
    ]
