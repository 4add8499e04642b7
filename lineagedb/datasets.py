"""Small example data, generated on the spot so examples and tests run offline.

Example:
    >>> import lineagedb as ln
    >>> studies = ln.datasets.iris_studies("./lamin-tutorial/iris_studies")  # doctest: +SKIP
    >>> sorted(p.name for p in studies.iterdir())  # doctest: +SKIP
    ['study0_raw_images', 'study1_raw_images', 'study2_raw_images']
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

SPECIES = ("setosa", "versicolor", "virginica")
# Images per study, as in the tutorial's bucket (51, 49 and 51 files with meta.csv).
IMAGES_PER_STUDY = (50, 48, 50)
IMAGE_SIZE = 13_000

_JPEG_START = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
_JPEG_END = b"\xff\xd9"


def file_mini_csv(folder: str | Path = ".") -> Path:
    """Write ``mini.csv`` (3 rows, 2 columns) into ``folder`` and return its path.

    Example:
        >>> import tempfile
        >>> file_mini_csv(tempfile.mkdtemp()).read_text().splitlines()[0]
        'num,letter'
    """
    path = Path(folder) / "mini.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("num,letter\n1,a\n2,b\n3,c\n")
    return path


def iris_studies(
    folder: str | Path,
    images_per_study: tuple[int, ...] = IMAGES_PER_STUDY,
    image_size: int = IMAGE_SIZE,
    seed: int = 0,
) -> Path:
    """Write iris-like studies: ``study<i>_raw_images/`` of images plus ``meta.csv``.

    The same arguments always give the same bytes. Image names are
    ``iris-<sha256 of the bytes>.jpg``; ``meta.csv`` maps each image to a
    species, like the tutorial's ``s3://lamindb-dev-datasets/iris_studies``.

    Args:
        folder: Where to create the study folders.
        images_per_study: Number of images in each study.
        image_size: Bytes per image.
        seed: Seed of the generator.

    Example:
        >>> import tempfile
        >>> studies = iris_studies(tempfile.mkdtemp(), images_per_study=(2,), image_size=100)
        >>> len(list((studies / "study0_raw_images").iterdir()))
        3
    """
    root = Path(folder)
    generator = random.Random(seed)
    for study, n_images in enumerate(images_per_study):
        study_folder = root / f"study{study}_raw_images"
        study_folder.mkdir(parents=True, exist_ok=True)
        rows = ["0,1"]
        for _ in range(n_images):
            body = generator.randbytes(image_size - len(_JPEG_START) - len(_JPEG_END))
            image = _JPEG_START + body + _JPEG_END
            name = f"iris-{hashlib.sha256(image).hexdigest()}.jpg"
            (study_folder / name).write_bytes(image)
            rows.append(f"{name},{SPECIES[generator.randrange(3)]}")
        (study_folder / "meta.csv").write_text("\n".join(rows) + "\n")
    return root
