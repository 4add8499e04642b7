"""Trigram search indexes of the bionty registries, and the Source rows of shipped data."""

from django.db import migrations

from lineagedb.models.query.dialects import create_search_indexes, drop_search_indexes

ONTOLOGY_FIELDS = ("name", "synonyms", "ontology_id", "abbr")
SEARCH_FIELDS = {
    **{
        f"bionty_{name}": ONTOLOGY_FIELDS
        for name in (
            "celltype",
            "tissue",
            "disease",
            "cellline",
            "phenotype",
            "experimentalfactor",
            "developmentalstage",
            "ethnicity",
        )
    },
    "bionty_organism": ("name", "scientific_name", "ontology_id"),
    "bionty_gene": ("symbol", "ensembl_gene_id", "synonyms"),
    "bionty_source": ("entity", "source", "source_name"),
}


def forwards(apps, schema_editor):
    create_search_indexes(schema_editor.connection, SEARCH_FIELDS)


def backwards(apps, schema_editor):
    drop_search_indexes(schema_editor.connection, SEARCH_FIELDS)


class Migration(migrations.Migration):
    dependencies = [("bionty", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
