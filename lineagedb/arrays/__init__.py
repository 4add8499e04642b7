"""Arrays in storage: backed access to AnnData/HDF5/zarr, and map-style datasets for training.

Nothing here touches the database: these modules read stores given their
paths. ``Artifact.open()`` and ``Collection.mapped()`` resolve the paths
and record the run inputs.

Example:
    >>> from lineagedb.arrays.backed import open_backed
    >>> from lineagedb.arrays.mapped import MappedCollection
"""
