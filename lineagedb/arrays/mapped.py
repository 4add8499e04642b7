"""A map-style dataset over several AnnData stores, for PyTorch's ``DataLoader``.

``MappedCollection(paths)`` concatenates the observations of ``.h5ad``/
``.zarr`` stores without loading them: ``ds[i]`` reads one row of each
layer (sparse rows densified), of each ``obsm`` array and the encoded obs
labels. ``DataLoader`` fetches a whole batch through ``__getitems__``: rows
of one store are read together, neighbouring rows in one read, straight
from the file's bytes where the arrays are stored unfiltered. The dataset
holds paths and small metadata only; each process (every ``DataLoader``
worker) opens its own file handles on first use. Nothing here imports torch.

Example:
    >>> ds = MappedCollection(["a.h5ad", "b.h5ad"], obs_keys=["cell_type"])
    >>> len(ds), ds[0]["X"].shape, ds[0]["cell_type"]
    (80, (10,), 0)
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lineagedb.arrays._elements import SparseArray, encoding, is_group
from lineagedb.arrays.backed import AnnDataAccessor, open_backed
from lineagedb.errors import InvalidArgument

if TYPE_CHECKING:
    from upath import UPath


class _Store:
    """One opened store: its layers and obsm arrays, ready for row reads."""

    def __init__(self, path: Path | UPath, layers: list[str], obsm: list[str]) -> None:
        accessor = open_backed(path)
        if not isinstance(accessor, AnnDataAccessor):
            accessor.close()
            raise InvalidArgument(f"'{path}' is not an AnnData store; mapped() reads AnnData.")
        self.accessor = accessor
        storage = accessor.storage
        self.layers = {key: self._array(storage, key) for key in layers}
        self.obsm = {key: self._wrap(storage["obsm"][key]) for key in obsm}

    def _array(self, storage: Any, key: str) -> Any:
        if key == "X":
            return self._wrap(storage["X"])
        return self._wrap(storage["layers"][key])

    def _wrap(self, element: Any) -> Any:
        if is_group(element):
            if encoding(element) not in ("csr_matrix", "csc_matrix"):
                raise InvalidArgument(f"mapped() reads arrays; '{element.name}' is not one.")
            sparse = SparseArray(element, self.accessor._source)
            if sparse.format != "csr":
                raise InvalidArgument(
                    f"'{element.name}' is stored as CSC: reading it by rows reads whole columns. "
                    "Store it as CSR (adata.X = adata.X.tocsr()) to use mapped()."
                )
            return sparse
        return element

    def close(self) -> None:
        self.accessor.close()


def _rows(array: Any, rows: np.ndarray) -> np.ndarray:
    """Rows of a layer or obsm array (sparse rows densified), in the order asked."""
    if isinstance(array, SparseArray):
        return np.asarray(array._read_major(rows).toarray())
    unique, inverse = np.unique(rows, return_inverse=True)
    if hasattr(array, "oindex"):
        return np.asarray(array.oindex[unique])[inverse]
    return np.asarray(array[unique])[inverse]


class MappedCollection:
    """Observations of several AnnData stores as one map-style dataset.

    Args:
        path_list: Local paths (or cloud UPaths) of ``.h5ad``/``.zarr`` stores.
        layers_keys: Layers to return; ``"X"`` is ``.X``. Default ``["X"]``.
        obs_keys: obs columns to return, one value per observation.
        obsm_keys: obsm arrays to return, as ``obsm_<key>``.
        join: ``"inner"`` (shared variables), ``"outer"`` (all, zero-filled)
            or None (no join: stores must have the same number of variables).
        encode_labels: Encode obs labels as integers: True for all of
            ``obs_keys``, or a list of them.
        unknown_label: A label (or ``{obs_key: label}``) encoded as -1.
        parallel: Keep no handles open in this process (each worker opens its own).
        dtype: Cast rows of layers and obsm arrays to this dtype.
        rank, world_size: Training on several processes or machines without
            ``DistributedSampler``: this dataset is rank ``rank``'s share of
            ``world_size`` equal, contiguous shards (neighbouring rows read
            together); the last shard wraps around to the first observations
            when they do not divide evenly, as ``DistributedSampler`` pads.
            Labels are encoded over all stores, the same on every rank. With
            ``DistributedSampler``, leave both out: the sampler shards.

    Example:
        >>> paths = ["a.h5ad", "b.h5ad"]
        >>> ds = MappedCollection(paths, obs_keys=["cell_type"], join="outer")
        >>> loader = DataLoader(ds, batch_size=256, num_workers=2)  # PyTorch  # doctest: +SKIP
        >>> shard = MappedCollection(paths, rank=1, world_size=2)  # the second of two ranks
        >>> len(shard), shard.shard
        (40, (40, 40))
    """

    def __init__(
        self,
        path_list: list[Path | UPath | str],
        layers_keys: str | list[str] | None = None,
        obs_keys: str | list[str] | None = None,
        obsm_keys: str | list[str] | None = None,
        join: str | None = "inner",
        encode_labels: bool | list[str] = True,
        unknown_label: str | dict[str, str] | None = None,
        cache_categories: bool = True,
        parallel: bool = False,
        dtype: str | np.dtype | None = None,
        rank: int | None = None,
        world_size: int | None = None,
    ) -> None:
        if join not in ("inner", "outer", None):
            raise InvalidArgument(f"join={join!r}: use 'inner', 'outer' or None.")
        _check_rank(rank, world_size)
        self.path_list = [Path(p) if isinstance(p, str) else p for p in path_list]
        if not self.path_list:
            raise InvalidArgument("MappedCollection needs at least one store; got none.")
        self.layers_keys = _as_list(layers_keys) or ["X"]
        self.obs_keys = _as_list(obs_keys)
        self.obsm_keys = _as_list(obsm_keys)
        self.join_vars = join
        self.parallel = parallel
        self.dtype = np.dtype(dtype) if dtype is not None else None
        encode = self.obs_keys if encode_labels is True else _as_list(encode_labels or None)
        if not set(encode) <= set(self.obs_keys):
            raise InvalidArgument(
                f"encode_labels names {sorted(set(encode) - set(self.obs_keys))}, which are not "
                f"in obs_keys {self.obs_keys}; every encoded label must be an obs key."
            )
        self.encode_labels = encode
        if isinstance(unknown_label, dict):
            if not set(unknown_label) <= set(encode):
                raise InvalidArgument(
                    f"unknown_label has keys {sorted(set(unknown_label) - set(encode))} that are "
                    "not encoded; its keys must be among encode_labels."
                )
            self.unknown_label = dict(unknown_label)
        else:
            self.unknown_label = {key: unknown_label for key in encode} if unknown_label else {}
        self._stores: list[_Store] | None = None
        self._pid: int | None = None
        self._closed = False
        self._read_metadata(cache_categories)
        self.shard = _shard(self.n_obs, rank, world_size)

    # -- metadata (read once, in the constructing process) --------------------------------

    def _read_metadata(self, cache_categories: bool) -> None:
        stores = self._open()
        self.n_obs_list = [store.accessor.n_obs for store in stores]
        self.original_shapes = [store.accessor.shape for store in stores]
        var_lists = [store.accessor.var_names for store in stores]
        self.offsets = np.concatenate(([0], np.cumsum(self.n_obs_list))).astype(np.int64)
        self.n_obs = int(self.offsets[-1])
        self._var_maps: list[np.ndarray | None] = [None] * len(stores)
        if self.join_vars is None or all(v.equals(var_lists[0]) for v in var_lists[1:]):
            self.var_joint = var_lists[0] if self.join_vars is not None else None
            self.n_vars: int | None = len(var_lists[0]) if self.join_vars is not None else None
            if self.join_vars is None and len({len(v) for v in var_lists}) > 1:
                raise InvalidArgument(
                    "The stores have different numbers of variables "
                    f"({sorted({len(v) for v in var_lists})}); use join='inner' or 'outer'."
                )
        elif self.join_vars == "inner":
            joint = var_lists[0]
            for names in var_lists[1:]:
                joint = joint[joint.isin(names)]
            if len(joint) == 0:
                raise InvalidArgument(
                    "The stores share no variables (var_names), so an inner join is empty. "
                    "Use join='outer' to zero-fill the variables a store lacks."
                )
            self.var_joint, self.n_vars = joint, len(joint)
            # For each store: which of its columns, in joint order.
            self._var_maps = [names.get_indexer(joint) for names in var_lists]
        else:
            # Sorted, as LaminDB's union of the stores' variables: models trained on
            # either agree on the column order.
            joint = var_lists[0]
            for names in var_lists[1:]:
                joint = joint.union(names)
            self.var_joint, self.n_vars = joint, len(joint)
            # For each store: where its columns go among the joint ones.
            self._var_maps = [joint.get_indexer(names) for names in var_lists]
        self._labels = {key: self._read_labels(stores, key) for key in self.obs_keys}
        self.encoders: dict[str, dict[str, int]] = {}
        for key in self.encode_labels:
            categories = self.get_merged_categories(key)
            unknown = self.unknown_label.get(key)
            codes = [c for c in categories if c != unknown]
            encoder = {label: code for code, label in enumerate(codes)}
            if unknown is not None:
                encoder[unknown] = -1
            self.encoders[key] = encoder
        # Per store and key: store code -> merged code, so a row's label is one lookup.
        self._code_maps = {
            key: [
                np.array([self.encoders[key][c] for c in categories], dtype=np.int64)
                for categories, _ in self._labels[key]
            ]
            for key in self.encode_labels
        }
        if self.parallel:
            self._close_stores()

    def _read_labels(self, stores: list[_Store], key: str) -> list[tuple[np.ndarray, np.ndarray]]:
        """(categories, codes) of obs column ``key`` in each store."""
        labels = []
        for store in stores:
            obs = store.accessor.obs
            if key not in obs.columns:
                raise InvalidArgument(
                    f"obs column {key!r} is missing from '{store.accessor._name}' (it has "
                    f"{obs.columns.tolist()})."
                )
            column = obs[key]
            if isinstance(column.dtype, pd.CategoricalDtype):
                categories = column.cat.categories.astype(str).to_numpy()
                codes = column.cat.codes.to_numpy()
            else:
                categories, codes = np.unique(column.astype(str).to_numpy(), return_inverse=True)
            labels.append((np.asarray(categories, dtype=object), np.asarray(codes, dtype=np.int64)))
        return labels

    # -- handles: one set per process ----------------------------------------------------

    def _open(self) -> list[_Store]:
        if self._closed:
            raise InvalidArgument("The MappedCollection was closed; create it again.")
        if self._stores is None or self._pid != os.getpid():
            # In a new process (a DataLoader worker), inherited handles are not used.
            self._stores = [
                _Store(path, self.layers_keys, self.obsm_keys) for path in self.path_list
            ]
            self._pid = os.getpid()
        return self._stores

    def _close_stores(self) -> None:
        if self._stores is not None and self._pid == os.getpid():
            for store in self._stores:
                store.close()
        self._stores, self._pid = None, None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_stores"], state["_pid"] = None, None
        return state

    @staticmethod
    def torch_worker_init_fn(worker_id: int) -> None:
        """A ``DataLoader`` ``worker_init_fn`` that opens the worker's own handles up front.

        Example:
            >>> init = ds.torch_worker_init_fn
            >>> DataLoader(ds, num_workers=2, worker_init_fn=init)  # PyTorch  # doctest: +SKIP
        """
        import torch

        info = torch.utils.data.get_worker_info()
        if info is not None:
            info.dataset._open()  # type: ignore[attr-defined]

    # -- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.shard[1]

    @property
    def shape(self) -> tuple[int, int | None]:
        """(observations, joint variables); variables are None without a join.

        Sharded (``rank=``), the observations of this rank's shard.

        Example:
            >>> ds.shape
            (80, 10)
        """
        return len(self), self.n_vars

    def _locate(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        size = len(self)
        if len(indices) and (indices.min() < -size or indices.max() >= size):
            raise IndexError(f"Index out of range for {size} observations.")
        indices = np.where(indices < 0, indices + size, indices)
        indices = (indices + self.shard[0]) % self.n_obs  # the shard's rows, wrapping at the end
        store_idx = np.searchsorted(self.offsets, indices, side="right") - 1
        return store_idx, indices - self.offsets[store_idx]

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.__getitems__([index])[0]

    def __getitems__(self, indices: list[int]) -> list[dict[str, Any]]:
        """Samples for a batch of indices (DataLoader calls this once per batch).

        Example:
            >>> [sample["_store_idx"] for sample in ds.__getitems__([0, 47])]
            [0, 1]
        """
        stores = self._open()
        wanted = np.asarray(indices, dtype=np.int64).reshape(-1)
        store_idx, rows = self._locate(wanted)
        columns: dict[str, list[Any]] = {}
        keys = [*self.layers_keys, *(f"obsm_{k}" for k in self.obsm_keys)]
        values: dict[str, np.ndarray] = {}
        for s in np.unique(store_idx):
            positions = np.flatnonzero(store_idx == s)
            store, local = stores[s], rows[positions]
            for key in self.layers_keys:
                block = self._joined(_rows(store.layers[key], local), int(s))
                values.setdefault(key, np.empty((len(wanted), block.shape[1]), block.dtype))
                values[key][positions] = block
            for key in self.obsm_keys:
                block = _rows(store.obsm[key], local)
                name = f"obsm_{key}"
                values.setdefault(name, np.empty((len(wanted), *block.shape[1:]), block.dtype))
                values[name][positions] = block
        for key in keys:
            array = values[key]
            columns[key] = list(array.astype(self.dtype) if self.dtype is not None else array)
        columns["_store_idx"] = store_idx.tolist()
        for key in self.obs_keys:
            labels = self._labels[key]
            if key in self.encoders:
                maps = self._code_maps[key]
                columns[key] = [
                    int(maps[s][labels[s][1][r]]) for s, r in zip(store_idx, rows, strict=True)
                ]
            else:
                columns[key] = [
                    labels[s][0][labels[s][1][r]] for s, r in zip(store_idx, rows, strict=True)
                ]
        names = list(columns)
        return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]

    def _joined(self, block: np.ndarray, store: int) -> np.ndarray:
        mapping = self._var_maps[store]
        if mapping is None:
            return block
        if self.join_vars == "inner":
            return block[:, mapping]
        assert self.n_vars is not None
        out = np.zeros((block.shape[0], self.n_vars), dtype=block.dtype)
        out[:, mapping] = block
        return out

    # -- labels --------------------------------------------------------------------------

    def get_merged_labels(self, label_key: str) -> np.ndarray:
        """The labels of ``label_key`` for every observation, stores concatenated.

        Sharded (``rank=``), those of this rank's observations, in its order.

        Example:
            >>> ds.get_merged_labels("cell_type")[:3]
            array(['B cell', 'B cell', 'B cell'], dtype=object)
        """
        labels = self._labels_of(label_key)
        merged = np.concatenate([categories[codes] for categories, codes in labels])
        start, size = self.shard
        if (start, size) == (0, self.n_obs):
            return merged
        return merged[(start + np.arange(size)) % self.n_obs]

    def get_merged_categories(self, label_key: str) -> list[str]:
        """The sorted set of labels of ``label_key`` over all stores.

        Example:
            >>> ds.get_merged_categories("cell_type")
            ['B cell', 'T cell']
        """
        labels = self._labels_of(label_key)
        return sorted(set().union(*(set(categories.tolist()) for categories, _ in labels)))

    def get_label_weights(
        self, obs_keys: str | list[str], scaler: float | None = None
    ) -> np.ndarray:
        """A weight per observation, 1 / (count of its label) — for a weighted sampler.

        Several keys combine into one label per observation. ``scaler``
        softens the weights: ``scaler / (scaler + count)``.

        Example:
            >>> weights = ds.get_label_weights("cell_type")
            >>> len(weights)
            80
            >>> from torch.utils.data import WeightedRandomSampler  # PyTorch  # doctest: +SKIP
            >>> sampler = WeightedRandomSampler(weights, len(weights))  # PyTorch  # doctest: +SKIP
        """
        keys = _as_list(obs_keys)
        labels = self.get_merged_labels(keys[0]).astype(str)
        for key in keys[1:]:
            labels = np.char.add(np.char.add(labels, "__"), self.get_merged_labels(key).astype(str))
        counts = Counter(labels.tolist())
        count_of = np.array([counts[label] for label in labels], dtype=np.float64)
        if scaler is None:
            return 1.0 / count_of
        return scaler / (scaler + count_of)

    def _labels_of(self, key: str) -> list[tuple[np.ndarray, np.ndarray]]:
        if key not in self._labels:
            self._labels[key] = self._read_labels(self._open(), key)
        return self._labels[key]

    # -- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        """Close this process's file handles.

        Example:
            >>> ds.close()
        """
        self._close_stores()
        self._closed = True

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called.

        Example:
            >>> ds.closed
            False
        """
        return self._closed

    def __enter__(self) -> MappedCollection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        start, size = self.shard
        shard = f", shard {start}:{start + size}" if (start, size) != (0, self.n_obs) else ""
        return (
            f"MappedCollection of {len(self.path_list)} stores: {self.n_obs} observations × "
            f"{self.n_vars} variables (join={self.join_vars!r}), layers {self.layers_keys}{shard}"
        )


def _shard(n_obs: int, rank: int | None, world_size: int | None) -> tuple[int, int]:
    """(first observation, size) of rank ``rank``'s shard; the whole dataset without one.

    Example:
        >>> _shard(10, 1, 4), _shard(10, 3, 4), _shard(10, None, None)
        ((3, 3), (9, 3), (0, 10))
    """
    if rank is None or world_size is None:  # checked by the constructor: both or neither
        return 0, n_obs
    size = -(-n_obs // world_size)  # equal shards: the last one wraps around to the start
    return rank * size, size


def _check_rank(rank: int | None, world_size: int | None) -> None:
    """Refuse a rank without a world size (or the reverse), or one outside it."""
    if rank is None and world_size is None:
        return
    if rank is None or world_size is None:
        raise InvalidArgument(
            f"rank={rank!r}, world_size={world_size!r}: give both (this process's rank and "
            "the number of ranks), or neither to read every observation."
        )
    if isinstance(rank, bool) or not isinstance(rank, int) or not isinstance(world_size, int):
        raise InvalidArgument(
            f"rank={rank!r}, world_size={world_size!r}: both must be whole numbers."
        )
    if world_size < 1 or not 0 <= rank < world_size:
        raise InvalidArgument(
            f"rank={rank} of world_size={world_size}: the rank must be from 0 to "
            f"{world_size - 1} and world_size at least 1."
        )


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
