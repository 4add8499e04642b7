"""Transform.parents becomes a many-to-many a user can set (LaminDB 0.70's field).

Before, a transform's parents were derived on every read from its runs' inputs.
They are stored now, and this migration writes the ones the runs already give:
for every run input made by another transform's run, that transform is a parent
of the run's transform.
"""

from django.db import migrations, models


def _parents_from_run_inputs(apps, schema_editor):  # type: ignore[no-untyped-def]
    Run = apps.get_model("lineagedb", "Run")
    Transform = apps.get_model("lineagedb", "Transform")
    links = Transform.parents.through
    pairs = set()
    for through, made_by in (
        (Run.input_artifacts.through, "artifact__transform_id"),
        (Run.input_collections.through, "collection__transform_id"),
    ):
        for child, parent in through.objects.values_list("run__transform_id", made_by):
            if parent is not None and parent != child:
                pairs.add((child, parent))
    links.objects.bulk_create(
        [links(from_transform_id=c, to_transform_id=p) for c, p in sorted(pairs)],
        batch_size=1000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("lineagedb", "0013_datetime_values_in_utc"),
    ]

    operations = [
        migrations.AddField(
            model_name="transform",
            name="parents",
            field=models.ManyToManyField(
                blank=True, related_name="children", to="lineagedb.transform"
            ),
        ),
        migrations.RunPython(_parents_from_run_inputs, migrations.RunPython.noop),
    ]
