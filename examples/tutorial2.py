"""LaminDB's second tutorial, "Features & labels", on lineagedb.

`make demo` runs it after `tutorial.py`, on the instance that tutorial leaves:
the iris study folders, their meta.csv files and the "Iris collection".
"""

import pandas as pd

import lineagedb as ln

pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 8)
ln.connect("lamin-tutorial")
ln.settings.verbosity = "hint"

# Labels: the species, under a parent label
organisms = [ln.ULabel(name=name) for name in ("setosa", "versicolor", "virginica")]
ln.save(organisms)
is_organism = ln.ULabel(name="is_organism").save()
is_organism.children.set(organisms)
print(is_organism.view_parents(with_children=True).source)

# The studies, under their parent label
studies = [ln.ULabel(name=f"study{index}") for index in range(3)]
ln.save(studies)
is_study = ln.ULabel(name="is_study").save()
is_study.children.set(studies)

# Features: what the labels measure
ln.save(
    [
        ln.Feature(name="iris_organism_name", type="category"),
        ln.Feature(name="study_name", type="category"),
    ]
)
features = ln.Feature.lookup()

# Validate the species names of study 0 against the labels
meta = ln.Artifact.filter(key="iris_studies/study0_raw_images/meta.csv").one().load(index_col=0)
print(ln.ULabel.validate(meta["1"], field="name"))
print(ln.Artifact.df())

# Label each study folder with its study and the species it holds
folders = ln.Artifact.filter(key__startswith="iris_studies/study", n_objects__isnull=False)
for folder, study in zip(folders.order_by("key"), studies, strict=True):
    folder.labels.add(study, feature=features.study_name)
    table = pd.read_csv(folder.cache() / "meta.csv", index_col=0)
    species = ln.ULabel.from_values(table["1"].unique())
    folder.labels.add(species, feature=features.iris_organism_name)

ulabels = ln.ULabel.lookup()
artifact = ln.Artifact.filter(ulabels=ulabels.study0).first()
artifact.describe()

# Label a collection
collection = ln.Collection.filter(name="Iris collection", version="1").one()
collection.labels.add(ulabels.study0, feature=features.study_name)
collection.labels.add(
    ln.ULabel.filter(parents__name="is_organism"), feature=features.iris_organism_name
)
collection.describe()

# A pipeline measures the flowers
ln.track(ln.Transform(name="Petal & sepal regressor", type="pipeline"))
collection.cache()  # its artifacts become inputs of the run
df = ln.core.datasets.df_iris_in_meter_study1()
print(ln.core.run_context.transform.view_parents().source)
new_features = ln.Feature.from_df(df)
ln.save(new_features)
artifact = ln.Artifact.from_df(
    df, description="Iris study 1 - after measuring sepal & petal metrics"
).save()
artifact.features.add(new_features)
print(artifact.features)
print(artifact.features["columns"].df())
artifact.labels.add(
    ln.ULabel.filter(parents__name="is_organism").all(), feature=features.iris_organism_name
)
artifact.labels.add(ulabels.study0, feature=features.study_name)
artifact.describe()
print(artifact.view_lineage().source)
ln.view(registries=["Feature", "FeatureSet", "ULabel"])

# A second pipeline joins study 1 and study 2
ln.track(ln.Transform(name="Iris studies joined", type="pipeline"))
artifact2 = ln.Artifact.from_df(
    ln.core.datasets.df_iris_in_meter_study2(), description="Iris study 2 - transformed"
).save()
artifact2.features.add(new_features)
joined = ln.Collection([artifact, artifact2], name="Iris flower study 1 & 2 - transformed").save()
joined.describe()
print(joined.load().tail())
print(joined.artifacts.df())
print(joined.view_lineage().source)
ln.finish()

# Appendix: the name rule
project = ln.ULabel(name="project1").save()
assert ln.ULabel(name="project1") == project  # the existing record, with a warning
similar = ln.ULabel(name="project 1")  # a new record, with a warning about similar names
project.name = "project_1"
project.save()
project.delete()
