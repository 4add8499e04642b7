"""Datetime feature values are instants in UTC, fixed width, so text order is time order.

Before, they were stored as given ("2024-05-01T12:00:00+02:00"): equal instants
with other offsets were other values and sorted by their local clock. Each is
rewritten as its UTC instant (a naive one is taken as UTC); two values that
become one instant become one record, keeping every artifact's link.
"""

import datetime
import hashlib
import json
from base64 import urlsafe_b64encode

from django.db import migrations


def _utc(text: str) -> str | None:
    try:
        value = datetime.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _hash(value: str) -> str:
    digest = hashlib.md5(json.dumps(value, sort_keys=True).encode()).digest()
    return urlsafe_b64encode(digest).decode().rstrip("=")


def to_utc(apps, schema_editor):  # noqa: ANN001, ANN201 - Django's signature
    FeatureValue = apps.get_model("lineagedb", "FeatureValue")
    Link = apps.get_model("lineagedb", "ArtifactFeatureValue")
    for value in FeatureValue.objects.filter(feature__type="datetime").order_by("id"):
        stored = _utc(value.value) if isinstance(value.value, str) else None
        if stored is None or stored == value.value:
            continue
        digest = _hash(stored)
        twin = FeatureValue.objects.filter(feature_id=value.feature_id, hash=digest).first()
        if twin is None:
            value.value, value.text, value.hash = stored, stored, digest
            value.save(update_fields=["value", "text", "hash"])
            continue
        linked = set(Link.objects.filter(featurevalue=twin).values_list("artifact_id", flat=True))
        for link in Link.objects.filter(featurevalue=value):
            if link.artifact_id in linked:
                link.delete()
            else:
                link.featurevalue = twin
                link.save(update_fields=["featurevalue"])
        value.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('lineagedb', '0012_unique_feature_name'),
    ]

    operations = [
        migrations.RunPython(to_utc, migrations.RunPython.noop),
    ]
