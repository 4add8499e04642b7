"""Tutorial: Artifacts

The local steps of LaminDB's tutorial, on lineagedb. Run with `make demo`. The code
below is the tutorial's with `import lineagedb as ln`; the iris studies are generated
locally instead of read from a public bucket.
"""

import pandas as pd

import lineagedb as ln

pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 8)

ln.setup.init(storage="./lamin-tutorial")
ln.settings.verbosity = "hint"

# Track a data source
ln.settings.transform.stem_uid = "NJvdsWWbJlZS"
ln.settings.transform.version = "0"
ln.track()

# Three studies of iris images with a meta.csv each, inside the storage root.
ln.datasets.iris_studies("./lamin-tutorial/iris_studies")

# Register an artifact
artifact = ln.Artifact("./lamin-tutorial/iris_studies/study0_raw_images/meta.csv")
print(artifact)
artifact.save()
print(ln.Artifact.df())

# View data lineage
print(artifact.view_lineage().source)
print(artifact.transform)
print(artifact.run)

# Access an artifact
print(artifact.path)
print(artifact.cache())
df = artifact.load(index_col=0)
print(df.head())

artifact.description = "My new description"
artifact.save()

# Register directories as artifacts
study0_data = ln.Artifact("./lamin-tutorial/iris_studies/study0_raw_images")
study0_data.save()
print(ln.Artifact.df())

# Filter & search artifacts
print(ln.Artifact.search("meta").head())
users = ln.User.lookup()
print(users.anonymous)
transform = ln.Transform.filter(name__icontains="Artifacts").one()
print(transform)
print(
    ln.Artifact.filter(
        created_by=users.anonymous,
        transform=transform,
        suffix=".jpg",
    )
    .df()
    .head()
)
print(ln.Artifact.filter(key__startswith="iris_studies/study0_raw_images/").df().head())

# Describe artifacts
artifact.describe()

# Collections
collection = ln.Collection(
    study0_data,
    name="Iris collection",
    version="1",
    description="50 image files and metadata",
)
print(collection)
collection.save()

artifacts = [study0_data]
for folder_name in ["study1_raw_images", "study2_raw_images"]:
    # create an artifact for the folder
    artifact = ln.Artifact(f"./lamin-tutorial/iris_studies/{folder_name}")
    artifact.save()
    artifacts.append(artifact)
    # create a new version of the collection
    collection = ln.Collection(
        artifacts, is_new_version_of=collection, description="Another 50 images"
    )
    collection.description = "Another 50 images"
    collection.save()

print(ln.Artifact.df())
print(ln.Collection.df())

# View changes
ln.view()

# Save the script's source code
ln.finish()
