"""A transform's saved source back into a working folder, so that its run can be repeated
(``lineagedb load``).

Example:
    >>> find_transform("My pipeline").version
    '1.2.0'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument, MultipleFound, NotFound


def find_transform(name: str, version: str | None = None) -> Any:
    """A transform by uid (or its 12-character stem), key or name; the latest version unless
    ``version`` names one.

    Example:
        >>> find_transform("My pipeline", version="1.2.0").uid == transform.uid
        True
    """
    session.ensure_connected()  # a fresh shell (lineagedb load) has not connected yet
    from django.db.models import Q

    from lineagedb.models import Transform

    name = name.strip()
    if not name:
        raise InvalidArgument("Name a transform: its uid, key or name.")
    candidates = Q(key=name)
    if len(name) == 16:
        candidates |= Q(uid=name)
    elif len(name) == 12:  # a uid stem: the family
        candidates |= Q(uid__startswith=name)
    query = Transform.objects.filter(candidates)
    if not query.exists():
        query = Transform.objects.filter(name=name)
    if not query.exists():
        raise NotFound(
            f"No transform has uid, key or name {name!r}. List them: lineagedb ls --registry "
            "transform"
        )
    stems = sorted({uid[:12] for uid in query.values_list("uid", flat=True)})
    if len(stems) > 1:
        raise MultipleFound(
            f"{len(stems)} transforms are named {name!r} (uid stems {', '.join(stems)}): "
            "load one by its uid."
        )
    family = Transform.objects.filter(uid__startswith=stems[0])
    if version is not None:
        found = family.filter(version=version).first()
        if found is None:
            known = sorted(v or "(none)" for v in family.values_list("version", flat=True))
            raise NotFound(
                f"Transform {stems[0]} has no version {version!r}; it has {', '.join(known)}."
            )
        return found
    if len(name) == 16 and family.filter(uid=name).exists():  # a full uid names its version
        return family.get(uid=name)
    return family.order_by("-is_latest", "-created_at").first()


def write_source(
    transform: Any, folder: Path, with_env: bool = False, force: bool = False
) -> list[Path]:
    """Write the transform's saved source (and with ``with_env`` its latest run's environment)
    into ``folder``; returns the paths written.

    A file there with other content is kept unless ``force``: loading never overwrites
    work silently.

    Example:
        >>> write_source(transform, Path("."))  # a pipeline tracked by hand saves no source
        Traceback (most recent call last):
        lineagedb.errors.NotFound: Transform ... ('My pipeline') has no saved source: ...
        >>> # a tracked script's source, and its run's environment (no script in doctests):
        >>> script = find_transform("make_counts.py")  # doctest: +SKIP
        >>> write_source(script, Path("."), with_env=True)  # doctest: +SKIP
        [PosixPath('make_counts.py'), PosixPath('run_env_pip_Un6kaGLyWaVTuoRq275x.txt')]
    """
    if transform.source_code_id is None:
        raise NotFound(
            f"Transform {transform.uid} ({transform.name!r}) has no saved source: only tracked "
            "scripts, notebooks and functions have one."
        )
    source = transform.source_code
    name = Path(transform.key or f"{transform.uid}{source.suffix}").name
    if not Path(name).suffix:
        name += source.suffix
    files = [(folder / name, source)]
    if with_env:
        run = transform.runs.exclude(environment=None).order_by("-started_at").first()
        if run is None:
            raise NotFound(
                f"No run of transform {transform.uid} recorded an environment; load the "
                "source alone (without --with-env)."
            )
        files.append((folder / f"run_env_pip_{run.uid}.txt", run.environment))
    contents = [
        (path, Path(str(artifact.cache(is_run_input=False))).read_bytes())
        for path, artifact in files
    ]
    for path, content in contents:  # refuse before writing anything
        if path.exists() and not force and path.read_bytes() != content:
            raise InvalidArgument(
                f"'{path}' exists with other content. Move it away, or overwrite it with --force."
            )
    folder.mkdir(parents=True, exist_ok=True)
    for path, content in contents:
        path.write_bytes(content)
    if "secrets redacted" in (source.description or ""):
        logger.warning(
            f"'{files[0][0].name}' was saved with its secrets replaced by ***: put them back "
            "(from the environment or a config file) before running it."
        )
    return [path for path, _ in contents]
