"""Feature names are unique, as label names are: a concurrent creator gets the existing record.

Instances made before this rule may hold features of one name (four processes
each created "donor"). The oldest keeps the name; the others are renamed
``<name>_<id>`` so that no link is lost and each stays queryable by its new name.
"""

from django.db import migrations, models


def rename_duplicates(apps, schema_editor):  # noqa: ANN001, ANN201 - Django's signature
    Feature = apps.get_model("lineagedb", "Feature")
    seen: set[str] = set()
    for feature in Feature.objects.order_by("id"):
        if feature.name in seen:
            feature.name = f"{feature.name[:140]}_{feature.id}"
            feature.save(update_fields=["name"])
        seen.add(feature.name)


class Migration(migrations.Migration):

    dependencies = [
        ('lineagedb', '0011_featureset_maximal_set'),
    ]

    operations = [
        migrations.RunPython(rename_duplicates, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='feature',
            name='name',
            field=models.CharField(max_length=150, unique=True),
        ),
    ]
