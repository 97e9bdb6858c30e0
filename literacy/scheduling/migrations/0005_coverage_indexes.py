"""Covering indexes for the coverage dashboard (literacy/coverage/selectors.py).

Its grouped queries read one municipality's lessons, bookings and requests of a period; at
prefecture scale those rows are spread over the whole table, so a plain (municipality, date)
index still visited one table page per row. With every column the queries use in the key,
PostgreSQL answers from the index alone (docs/performance.md, "Dashboard"). The two indexes
removed are prefixes of the new ones, which serve their look-ups. On a 2M-row table each index
builds in seconds.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("scheduling", "0004_kiosk_device_of_bookings"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="lesson",
            index=models.Index(
                fields=["municipality", "starts_at", "state", "venue", "topic", "volunteer", "ends_at", "id"],
                name="lesson_period_cover",
            ),
        ),
        migrations.RemoveIndex(model_name="lesson", name="scheduling__municip_567d0b_idx"),
        migrations.AddIndex(
            model_name="helprequest",
            index=models.Index(
                fields=["municipality", "created_at", "state", "topic", "district", "learner", "scheduled_at"],
                name="help_request_period_cover",
            ),
        ),
        migrations.RemoveIndex(model_name="helprequest", name="scheduling__municip_c0bb55_idx"),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(fields=["municipality", "state", "lesson", "learner"], name="booking_coverage_cover"),
        ),
    ]
