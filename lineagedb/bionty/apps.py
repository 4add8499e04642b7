"""The Django app of the bionty module (``schema="bionty"``)."""

from __future__ import annotations

from django.apps import AppConfig


class BiontyConfig(AppConfig):
    """The bionty registries: Organism, Gene, CellType, Tissue, Disease, … and Source."""

    name = "lineagedb.bionty"
    label = "bionty"
    verbose_name = "bionty"
    default_auto_field = "django.db.models.BigAutoField"
