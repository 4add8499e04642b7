"""Doctests of the package (``--doctest-modules`` over ``lineagedb/``).

Importing a registry module needs Django configured: collection configures a
throwaway instance, so every module imports. Each doctest then runs against
a seeded instance — the tutorial's data, restored from a template before
every example so that none sees another's writes — with these names in its
namespace: ``ln``, ``df`` (iris in metres), ``adata`` (a small AnnData),
``artifact`` (``iris_studies/study0_raw_images/meta.csv``, registered in
place), ``df_artifact``, ``adata_artifact``, ``collection``, ``transform``,
``run``, ``accessor`` (``adata_artifact.open()``), ``ds`` (a
MappedCollection of ``a.h5ad`` and ``b.h5ad``), ``curator`` (a
DataFrameCurator of ``adata.obs``), ``annotate`` (0.70's
``ln.Annotate.from_df(df)``), ``study_name`` and ``temperature``
(features), ``feature`` (a category feature with labels), ``schema`` (a
FeatureSet), ``ulabels`` (a lookup of the labels), ``storage``, ``folder``.
The working directory is
the seeded instance's parent, so ``./lamin-tutorial/...`` is its storage;
it holds ``meta.csv`` and ``meta_fixed.csv`` (outside every storage). An
example that cannot run says why in a comment before its
``# doctest: +SKIP``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> None:
    # Doctest collection inspects every module's globals, Django's lazy
    # ``connection`` among them in the tests: configure before any is read.
    if file_path.suffix == ".py":
        _configure_django_once()


_configured = False


def _configure_django_once() -> None:
    global _configured
    if _configured:
        return
    _configured = True
    from lineagedb.setup._django import configure
    from lineagedb.setup._instance import InstanceSettings

    folder = tempfile.mkdtemp(prefix="lineagedb-doctest-")
    atexit.register(shutil.rmtree, folder, True)
    os.environ.setdefault("LINEAGEDB_CACHE_DIR", os.path.join(folder, "cache"))
    configure(InstanceSettings(name="doctest", storage_root=folder))


class _Seeded:
    """The seeded instance of this process: its folder, and a copy to restore it from."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="lineagedb-doctest-seeded-"))
        self.root = self.base / "lamin-tutorial"
        self.home = self.base / "home"
        self.template = self.base / "template"
        atexit.register(shutil.rmtree, self.base, True)  # the worker's copy goes with it

    def build(self) -> None:
        import lineagedb as ln

        with _environment(self.home, self.base / "cache"):
            ln.setup.init(storage=self.root)
            ln.settings.verbosity = "error"
            ln.datasets.iris_studies(self.root / "iris_studies", images_per_study=(2,))
            meta = self.root / "iris_studies" / "study0_raw_images" / "meta.csv"
            ln.Artifact(meta, description="study 0 metadata").save()
            df = ln.datasets.df_iris_in_meter_study1()
            ln.Artifact.from_df(df, key="iris/study1.parquet", description="iris 1").save()
            ln.Artifact.from_anndata(_adata(), key="pbmc.h5ad").save()
            for name in ("pbmc.h5ad", "a.h5ad", "b.h5ad"):  # outside storage: open_backed, mapped
                _adata().write_h5ad(self.base / name)
            import h5py
            import numpy as np

            with h5py.File(self.base / "raw.h5", "w") as handle:
                handle["counts"] = np.arange(100)
            study_name = ln.Feature(name="study_name", type="category").save()
            ln.Feature(name="temperature", type="number", synonyms="Temp").save()
            features = ln.Feature.from_df(df)
            ln.save(features)
            ln.FeatureSet(features, name="iris").save()
            ln.save([ln.ULabel(name=n) for n in ("setosa", "versicolor", "virginica")])
            ln.save([ln.ULabel(name=n) for n in ("T cell", "B cell")])
            study0 = ln.ULabel(name="study0").save()
            artifact = ln.Artifact.get(key="iris_studies/study0_raw_images/meta.csv")
            artifact.labels.add(study0, feature=study_name)
            df_artifact = ln.Artifact.get(key="iris/study1.parquet")
            ln.Collection([artifact, df_artifact], name="Iris", version="1").save()
            transform = ln.Transform(name="My pipeline", version="1.2.0", type="pipeline").save()
            ln.Run(transform).save()
            _disconnect()
        # Files outside the instance that examples register or replace with.
        (self.base / "meta.csv").write_text("image,species\niris-a.jpg,setosa\n")
        (self.base / "meta_fixed.csv").write_text("image,species\niris-a.jpg,virginica\n")
        shutil.copytree(self.base, self.template, symlinks=True)

    def restore(self) -> None:
        """Everything beside the template back as it was built: no example sees another's."""
        for entry in self.base.iterdir():
            if entry.name == self.template.name:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        shutil.copytree(self.template, self.base, symlinks=True, dirs_exist_ok=True)


_seeded: _Seeded | None = None


class _environment:
    """LINEAGEDB_HOME and the cache folder pointed at the seeded instance's, then back."""

    def __init__(self, home: Path, cache: Path) -> None:
        self.values = {"LINEAGEDB_HOME": str(home), "LINEAGEDB_CACHE_DIR": str(cache)}
        self.saved: dict[str, str | None] = {}

    def __enter__(self) -> None:
        for key, value in self.values.items():
            self.saved[key] = os.environ.get(key)
            os.environ[key] = value

    def __exit__(self, *exc: object) -> None:
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _disconnect() -> None:
    from lineagedb._base.session import session
    from lineagedb.setup._django import disconnect

    disconnect()
    session.set(None, None, None)


@pytest.fixture(autouse=True)
def _seeded_doctest(request: pytest.FixtureRequest) -> Iterator[None]:
    """Doctests only: connect to a fresh copy of the seeded instance, fill the namespace."""
    from _pytest.doctest import DoctestItem

    if not isinstance(request.node, DoctestItem):
        yield
        return
    global _seeded
    if _seeded is None:
        _seeded = _Seeded()
        _seeded.build()
    _seeded.restore()
    namespace = request.node.dtest.globs
    cwd = os.getcwd()
    os.chdir(_seeded.base)  # "./lamin-tutorial/..." in an example is the seeded instance
    try:
        with _environment(_seeded.home, _seeded.base / "cache"):
            namespace.update(_namespace(_seeded.root))
            accessor = namespace["accessor"] = namespace["adata_artifact"].open()
            ds = namespace["ds"] = _mapped()
            yield
            accessor.close()
            ds.close()
            _disconnect()
    finally:
        os.chdir(cwd)


def _namespace(root: Path) -> dict[str, Any]:
    import lineagedb as ln

    ln.setup.init(storage=root)
    ln.settings.verbosity = "error"
    artifact = ln.Artifact.get(key="iris_studies/study0_raw_images/meta.csv")
    df = ln.datasets.df_iris_in_meter_study1()
    return {
        "ln": ln,
        "df": df,
        "adata": _adata(),
        "artifact": artifact,
        "df_artifact": ln.Artifact.get(key="iris/study1.parquet"),
        "adata_artifact": ln.Artifact.get(key="pbmc.h5ad"),
        "collection": ln.Collection.get(name="Iris"),
        "transform": ln.Transform.get(name="My pipeline"),
        "run": ln.Run.filter().first(),
        "study_name": ln.Feature.get(name="study_name"),
        "temperature": ln.Feature.get(name="temperature"),
        "feature": ln.Feature.get(name="study_name"),
        "schema": ln.FeatureSet.get(name="iris"),
        "ulabels": ln.ULabel.lookup(),
        "storage": ln.Storage.filter().first(),
        "folder": str(root / "iris_studies" / "study0_raw_images"),
        "annotate": ln.Annotate.from_df(df, categoricals={"iris_organism_name": ln.ULabel.name}),
        "curator": ln.curators.DataFrameCurator(
            _adata().obs, categoricals={"cell_type": ln.ULabel.name}
        ),
    }


def _mapped() -> Any:
    from lineagedb.arrays.mapped import MappedCollection

    return MappedCollection(["a.h5ad", "b.h5ad"], obs_keys=["cell_type"])


def _adata() -> Any:
    """A small AnnData: counts in X and a layer, cell types in obs, a UMAP in obsm."""
    import numpy as np

    import lineagedb as ln

    adata = ln.datasets.anndata_counts(n_obs=40, n_vars=10, seed=1, cell_types=("T cell", "B cell"))
    adata.layers["counts"] = adata.X.copy()
    adata.obsm["X_umap"] = np.random.default_rng(1).random((40, 2))
    adata.obsp["distances"] = _distances(40)
    adata.uns["method"] = "counts"
    adata.raw = adata.copy()
    return adata


def _distances(n: int) -> Any:
    import scipy.sparse as sp

    return sp.random(n, n, density=0.1, format="csr", random_state=1)
