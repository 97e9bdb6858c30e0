"""One volunteer's active lessons never overlap: an exclusion constraint on PostgreSQL.

Half-open ranges ('[)'), so 10:00-11:00 and 11:00-12:00 are fine. SQLite has no exclusion
constraints; there the migration does nothing and the service's check (under the write lock
that IMMEDIATE transactions take) keeps the rule.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_lesson ADD CONSTRAINT lesson_volunteer_no_overlap
    EXCLUDE USING gist (
        volunteer_id WITH =,
        tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (state <> 'cancelled');
"""
DROP = "ALTER TABLE scheduling_lesson DROP CONSTRAINT IF EXISTS lesson_volunteer_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
