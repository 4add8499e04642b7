"""LaminDB's ``ln.core`` namespace: example data and the mapped dataset class.

Example:
    >>> import lineagedb as ln
    >>> ln.core.datasets.df_iris_in_meter_study1().shape
    (75, 5)
"""

from __future__ import annotations

from lineagedb import datasets
from lineagedb.arrays.mapped import MappedCollection

__all__ = ["MappedCollection", "datasets"]
