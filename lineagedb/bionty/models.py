"""The bionty registries: Organism, Gene, CellType, Tissue, Disease, CellLine, Phenotype,
ExperimentalFactor, DevelopmentalStage, Ethnicity, and Source.

Each links to artifacts and collections like ULabel does (under a feature),
so ``artifact.labels.add(cell_types, feature=...)``, ``describe()`` and
``ln.Artifact.filter(cell_types__name="T cell")`` work for them. uids are
hashes of the ontology id (Gene: the Ensembl id), so a term has the same uid
in every instance — LaminDB's, too.

Example (not run here: no bionty in the doctest instance):
    >>> import lineagedb.bionty as bt  # no bionty in the doctest instance  # doctest: +SKIP
    >>> t_cell = bt.CellType.from_public(ontology_id="CL:0000084").save()  # doctest: +SKIP
    >>> t_cell.uid  # no bionty in the doctest instance  # doctest: +SKIP
    '22LvKd01'
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from lineagedb._base.base62 import hashed_base62
from lineagedb.bionty import registry
from lineagedb.models.annotations.hierarchy import Hierarchical
from lineagedb.models.record import Record


def _link_models(name: str, plural: str) -> tuple[type[models.Model], type[models.Model]]:
    """The two link tables of a registry: to artifacts and to collections, each under a feature."""
    label = name.lower()
    made = []
    for host in ("Artifact", "Collection"):
        host_field = host.lower()
        meta = type(
            "Meta",
            (),
            {
                "app_label": "bionty",
                "constraints": [
                    models.UniqueConstraint(
                        fields=[host_field, label], name=f"unique_{host_field}_{label}"
                    )
                ],
            },
        )
        made.append(
            type(
                f"{host}{name}",
                (models.Model,),
                {
                    "__module__": __name__,
                    "__doc__": f"Links {host.lower()}s to {plural.replace('_', ' ')}.",
                    host_field: models.ForeignKey(
                        f"lineagedb.{host}", models.CASCADE, related_name=f"{label}_links"
                    ),
                    label: models.ForeignKey(
                        name, models.CASCADE, related_name=f"{host_field}_links"
                    ),
                    "feature": models.ForeignKey(
                        "lineagedb.Feature", models.CASCADE, null=True, blank=True, related_name="+"
                    ),
                    "Meta": meta,
                },
            )
        )
    return made[0], made[1]


class Source(Record):
    """A public source of terms: one row per registry, ontology, organism and version.

    ``currently_used`` marks the version ``public()`` reads by default.

    Example (not run here: no bionty in the doctest instance):
        >>> bt.Source.filter(entity="CellType", currently_used=True).one()  # doctest: +SKIP
    """

    _search_fields = ("entity", "source", "source_name")
    _name_field = "source"
    _repr_exclude = ("created_at", "updated_at")

    uid = models.CharField(max_length=8, unique=True)
    entity = models.CharField(max_length=64, db_index=True)
    organism = models.CharField(max_length=64, db_index=True)
    currently_used = models.BooleanField(default=False, db_index=True)
    source = models.CharField(max_length=64, db_index=True)
    source_name = models.TextField(null=True, blank=True)
    version = models.CharField(max_length=64, db_index=True)
    url = models.TextField(null=True, blank=True)
    md5 = models.TextField(null=True, blank=True)
    source_website = models.TextField(null=True, blank=True)
    license = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("lineagedb.User", models.PROTECT, related_name="+")

    class Meta:
        app_label = "bionty"
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "source", "organism", "version"], name="unique_bionty_source"
            )
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "uid" not in kwargs and not args and "entity" in kwargs:
            key = "".join(
                str(kwargs.get(k, "")) for k in ("entity", "source", "organism", "version")
            )
            kwargs["uid"] = hashed_base62(key, 4)
        super().__init__(*args, **kwargs)


class BioRecord(registry.BioRegistry, Hierarchical, Record):
    """Fields and behaviour every ontology registry shares."""

    _search_fields: ClassVar[tuple[str, ...]] = ("name", "synonyms", "ontology_id", "abbr")
    _name_field: ClassVar[str] = "name"
    _repr_exclude: ClassVar[tuple[str, ...]] = ("created_at", "updated_at", "description")
    _uid_length: ClassVar[int] = 8

    uid = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=256, db_index=True)
    ontology_id = models.CharField(max_length=32, null=True, blank=True, db_index=True)
    abbr = models.CharField(max_length=32, null=True, blank=True, unique=True)
    synonyms = models.TextField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    source = models.ForeignKey(Source, models.PROTECT, null=True, blank=True, related_name="+")
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("lineagedb.User", models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class Organism(registry.BioRegistry, Record):
    """A species: name (``human``), scientific name and NCBI Taxonomy id.

    Example:
        >>> bt.Organism.from_public(name="mouse").save()  # bionty  # doctest: +SKIP
    """

    _search_fields = ("name", "scientific_name", "ontology_id")
    _name_field = "name"
    _natural_keys = ("uid", "name")
    _repr_exclude = ("created_at", "updated_at")
    _uid_length = 8

    uid = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=64, unique=True)
    ontology_id = models.CharField(max_length=32, null=True, blank=True, db_index=True)
    scientific_name = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    source = models.ForeignKey(Source, models.PROTECT, null=True, blank=True, related_name="+")
    artifacts = models.ManyToManyField(
        "lineagedb.Artifact", through="ArtifactOrganism", related_name="organism"
    )
    collections = models.ManyToManyField(
        "lineagedb.Collection", through="CollectionOrganism", related_name="organism"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("lineagedb.User", models.PROTECT, related_name="+")

    class Meta:
        app_label = "bionty"


ArtifactOrganism, CollectionOrganism = _link_models("Organism", "organism")


class Gene(registry.BioRegistry, Record):
    """A gene of an organism: symbol, Ensembl id, biotype.

    Example (not run here: no bionty in the doctest instance):
        >>> bt.settings.organism = "human"  # no bionty in the doctest instance  # doctest: +SKIP
        >>> bt.Gene.from_values(["ENSG00000081059"], field="ensembl_gene_id")  # doctest: +SKIP
    """

    _search_fields = ("symbol", "ensembl_gene_id", "synonyms")
    _name_field = "symbol"
    _repr_exclude = ("created_at", "updated_at", "description")
    _uid_length = 12
    _uid_fields = ("ensembl_gene_id", "stable_id", "symbol")
    _needs_organism = True

    uid = models.CharField(max_length=12, unique=True)
    symbol = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    stable_id = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    ensembl_gene_id = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    ncbi_gene_ids = models.TextField(null=True, blank=True)
    biotype = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    description = models.TextField(null=True, blank=True)
    synonyms = models.TextField(null=True, blank=True)
    organism = models.ForeignKey(Organism, models.PROTECT, related_name="genes")
    source = models.ForeignKey(Source, models.PROTECT, null=True, blank=True, related_name="+")
    artifacts = models.ManyToManyField(
        "lineagedb.Artifact", through="ArtifactGene", related_name="genes"
    )
    collections = models.ManyToManyField(
        "lineagedb.Collection", through="CollectionGene", related_name="genes"
    )
    feature_sets = models.ManyToManyField(
        "lineagedb.FeatureSet", through="FeatureSetGene", related_name="genes"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("lineagedb.User", models.PROTECT, related_name="+")

    class Meta:
        app_label = "bionty"
        constraints = [
            models.UniqueConstraint(
                fields=["organism", "ensembl_gene_id"], name="unique_gene_per_organism"
            )
        ]


ArtifactGene, CollectionGene = _link_models("Gene", "genes")


class FeatureSetGene(models.Model):
    """Links a feature set (``var`` of an AnnData) to its genes."""

    featureset = models.ForeignKey("lineagedb.FeatureSet", models.CASCADE, related_name="+")
    gene = models.ForeignKey(Gene, models.CASCADE, related_name="+")

    class Meta:
        app_label = "bionty"
        constraints = [
            models.UniqueConstraint(fields=["featureset", "gene"], name="unique_set_gene")
        ]


def _ontology_registry(name: str, plural: str, doc: str, **extra: Any) -> type[BioRecord]:
    artifact_link = f"Artifact{name}"
    collection_link = f"Collection{name}"
    attrs = {
        "__module__": __name__,
        "__doc__": doc,
        "__qualname__": name,
        "artifacts": models.ManyToManyField(
            "lineagedb.Artifact", through=artifact_link, related_name=plural
        ),
        "collections": models.ManyToManyField(
            "lineagedb.Collection", through=collection_link, related_name=plural
        ),
        "Meta": type("Meta", (), {"app_label": "bionty"}),
        **extra,
    }
    return type(name, (BioRecord,), attrs)


_DOC = """{what}, from the {ontology}.

Example:
    >>> bt.{name}.from_public(ontology_id="{example}").save()  # bionty  # doctest: +SKIP
"""
CellType = _ontology_registry(
    "CellType",
    "cell_types",
    _DOC.format(
        what="A cell type", ontology="Cell Ontology (CL)", name="CellType", example="CL:0000084"
    ),
)
ArtifactCellType, CollectionCellType = _link_models("CellType", "cell_types")
Tissue = _ontology_registry(
    "Tissue",
    "tissues",
    _DOC.format(
        what="A tissue", ontology="Uberon anatomy ontology", name="Tissue", example="UBERON:0002107"
    ),
)
ArtifactTissue, CollectionTissue = _link_models("Tissue", "tissues")
Disease = _ontology_registry(
    "Disease",
    "diseases",
    _DOC.format(
        what="A disease", ontology="Mondo Disease Ontology", name="Disease", example="MONDO:0004992"
    ),
)
ArtifactDisease, CollectionDisease = _link_models("Disease", "diseases")
CellLine = _ontology_registry(
    "CellLine",
    "cell_lines",
    _DOC.format(what="A cell line", ontology="Cellosaurus", name="CellLine", example="CVCL_0030"),
)
ArtifactCellLine, CollectionCellLine = _link_models("CellLine", "cell_lines")
Phenotype = _ontology_registry(
    "Phenotype",
    "phenotypes",
    _DOC.format(
        what="A phenotypic quality",
        ontology="Phenotype And Trait Ontology (PATO)",
        name="Phenotype",
        example="PATO:0000383",
    ),
)
ArtifactPhenotype, CollectionPhenotype = _link_models("Phenotype", "phenotypes")
ExperimentalFactor = _ontology_registry(
    "ExperimentalFactor",
    "experimental_factors",
    _DOC.format(
        what="An experimental factor (assay, technology, molecule)",
        ontology="Experimental Factor Ontology (EFO)",
        name="ExperimentalFactor",
        example="EFO:0009922",
    ),
    molecule=models.TextField(null=True, blank=True),
    instrument=models.TextField(null=True, blank=True),
    measurement=models.TextField(null=True, blank=True),
)
ArtifactExperimentalFactor, CollectionExperimentalFactor = _link_models(
    "ExperimentalFactor", "experimental_factors"
)
DevelopmentalStage = _ontology_registry(
    "DevelopmentalStage",
    "developmental_stages",
    _DOC.format(
        what="A developmental stage",
        ontology="HsapDv / MmusDv ontologies",
        name="DevelopmentalStage",
        example="HsapDv:0000087",
    ),
)
ArtifactDevelopmentalStage, CollectionDevelopmentalStage = _link_models(
    "DevelopmentalStage", "developmental_stages"
)
Ethnicity = _ontology_registry(
    "Ethnicity",
    "ethnicities",
    _DOC.format(
        what="An ancestry category",
        ontology="Human Ancestry Ontology (HANCESTRO)",
        name="Ethnicity",
        example="HANCESTRO:0005",
    ),
)
ArtifactEthnicity, CollectionEthnicity = _link_models("Ethnicity", "ethnicities")

REGISTRIES = {
    model.__name__: model
    for model in (
        Organism,
        Gene,
        CellType,
        Tissue,
        Disease,
        CellLine,
        Phenotype,
        ExperimentalFactor,
        DevelopmentalStage,
        Ethnicity,
        Source,
    )
}
