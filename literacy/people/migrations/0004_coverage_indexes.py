"""The coverage dashboard looks up the home district of every learner it counts; with
(id, district) that is an index-only look-up instead of a visit to each learner's row."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0003_volunteer_phone_check"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="learner",
            index=models.Index(fields=["id", "district"], name="learner_district_lookup"),
        ),
    ]
