"""Lineage as a Workflow Run RO-Crate: a Process Run Crate 0.5 (https://w3id.org/ro/wfrun/process/0.5)
on RO-Crate 1.1 (``lineagedb export TARGET --format ro-crate --output DIR``).

Each run is a ``CreateAction``: ``instrument`` its transform (a ``SoftwareSourceCode``
with its version), ``object`` its input artifacts and its params (``PropertyValue``\\ s),
``result`` the artifacts it saved, ``agent`` the user (a ``Person``), ``startTime`` and
``endTime``, ``actionStatus`` completed or failed. Artifacts are ``File`` data entities
referenced by their storage URL (``file:///...``, ``s3://...``), or, with
``include_data=True``, copied into the crate's ``data/`` folder. The root dataset
``mentions`` every action and ``conformsTo`` the profile; the crate is written as
``ro-crate-metadata.json`` (plain JSON-LD, no dependency).

Example:
    >>> import tempfile
    >>> path = export_ro_crate(run, tempfile.mkdtemp())
    >>> path.name
    'ro-crate-metadata.json'
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument
from lineagedb.tracking.openlineage import RunArtifacts

CONTEXT = "https://w3id.org/ro/crate/1.1/context"
RO_CRATE = "https://w3id.org/ro/crate/1.1"
PROFILE = "https://w3id.org/ro/wfrun/process/0.5"
METADATA = "ro-crate-metadata.json"
_STATUS = {
    "completed": "http://schema.org/CompletedActionStatus",
    "errored": "http://schema.org/FailedActionStatus",
    "aborted": "http://schema.org/FailedActionStatus",
}


def export_ro_crate(
    record: Any,
    folder: str | Path,
    hops: int | None = None,
    include_data: bool = False,
    license: str | None = None,
) -> Path:
    """Write the lineage of ``record`` (an artifact, a collection or a run; None: the
    instance's) as a Process Run Crate into ``folder`` (new or empty); return the path of
    its ``ro-crate-metadata.json``.

    ``license``: the URL of the data's license (e.g. a Creative Commons one); without it,
    the crate says that none is stated (a crate must name one).

    Example:
        >>> import tempfile
        >>> crate = json.loads(export_ro_crate(run, tempfile.mkdtemp()).read_text())
        >>> [e["@type"] for e in crate["@graph"] if e["@id"].startswith("#run-")]
        ['CreateAction']
    """
    from lineagedb.exchange.prov import lineage

    out = Path(folder)
    if out.exists() and any(out.iterdir()):
        raise InvalidArgument(f"{str(out)!r} is not empty: write the crate into a new folder.")
    session.ensure_connected()
    artifacts, _, runs = lineage(record, hops)
    crate = _Crate(out, include_data, license)
    made = RunArtifacts(runs)
    for run in sorted(runs, key=lambda r: r.started_at):
        crate.action(run, made.inputs[run.pk], made.outputs[run.pk])
    for artifact in artifacts:
        crate.file(artifact)
    out.mkdir(parents=True, exist_ok=True)
    path = out / METADATA
    path.write_text(json.dumps(crate.document(record), indent=2) + "\n")
    return path


def _links(identifiers: list[str]) -> Any:
    """References as RO-Crate 1.1 writes them: one as a single value, several as a list."""
    links = [{"@id": identifier} for identifier in identifiers]
    return links[0] if len(links) == 1 else links


def _media_type(suffix: str | None) -> str:
    """The IANA media type of a file with ``suffix`` (``application/octet-stream`` if unknown).

    Example:
        >>> _media_type(".csv"), _media_type(".h5ad")
        ('text/csv', 'application/x-hdf5')
    """
    import mimetypes

    known = {
        ".parquet": "application/vnd.apache.parquet",
        ".h5ad": "application/x-hdf5",
        ".h5": "application/x-hdf5",
        ".zarr": "application/vnd+zarr",
        ".tsv": "text/tab-separated-values",
    }
    suffix = (suffix or "").lower()
    return known.get(suffix) or mimetypes.types_map.get(suffix) or "application/octet-stream"


def _time(value: Any) -> str | None:
    """ISO 8601 as the profile asks: milliseconds and a ``+00:00`` offset."""
    if value is None:
        return None
    return str(value.astimezone(UTC).isoformat(timespec="milliseconds"))


class _Crate:
    """The entities of one crate, each once, in the order written."""

    def __init__(self, folder: Path, include_data: bool, license: str | None) -> None:
        self.folder = folder
        self.include_data = include_data
        self.license = license
        self.entities: dict[str, dict[str, Any]] = {}
        self.actions: list[str] = []
        self.files: list[str] = []

    def _add(self, entity: dict[str, Any]) -> str:
        identifier = str(entity["@id"])
        self.entities.setdefault(identifier, entity)
        return identifier

    def person(self, user: Any) -> str:
        return self._add(
            {"@id": f"#user-{user.handle}", "@type": "Person", "name": user.name or user.handle}
        )

    def software(self, transform: Any) -> str:
        entity: dict[str, Any] = {
            "@id": f"#transform-{transform.uid}",
            "@type": "SoftwareSourceCode",
            "name": transform.name,
            "identifier": transform.uid,
            "version": transform.version or "1",
        }
        if transform.description:
            entity["description"] = transform.description
        if transform.reference and "://" in transform.reference:
            entity["url"] = transform.reference
        return self._add(entity)

    def file(self, artifact: Any) -> str:
        from lineagedb.models.artifact.access import file_name, path_text

        location = path_text(artifact)
        if self.include_data and not artifact.n_objects:  # a folder stays referenced
            name = f"data/{artifact.uid}{artifact.suffix or ''}"
            target = self.folder / name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(Path(artifact.cache(is_run_input=False)).read_bytes())
            identifier = name
        else:
            identifier = location if "://" in location else Path(location).as_uri()
        if identifier in self.entities:
            return identifier
        entity: dict[str, Any] = {
            "@id": identifier,
            "@type": "File",
            "name": file_name(artifact) or artifact.description or artifact.uid,
            "identifier": artifact.uid,
            "contentSize": str(artifact.size),
            "encodingFormat": _media_type(artifact.suffix),
            "dateCreated": _time(artifact.created_at),
        }
        if artifact.description:
            entity["description"] = artifact.description
        if artifact.version:
            entity["version"] = artifact.version
        if "://" not in identifier:  # copied into the crate: where the original lies
            entity["url"] = location if "://" in location else Path(location).as_uri()
        self.files.append(identifier)
        return self._add(entity)

    def action(self, run: Any, used: list[Any], made: list[Any]) -> str:
        inputs = [self.file(a) for a in used]
        outputs = [self.file(a) for a in made]
        params = []
        for name, value in sorted((run.params or {}).items()):
            params.append(
                self._add(
                    {
                        "@id": f"#param-{run.uid}-{name}",
                        "@type": "PropertyValue",
                        "name": name,
                        "value": value if isinstance(value, str) else json.dumps(value),
                    }
                )
            )
        action: dict[str, Any] = {
            "@id": f"#run-{run.uid}",
            "@type": "CreateAction",
            "name": f"run of {run.transform.name}",
            "description": f"lineagedb run {run.uid} of transform {run.transform.uid}",
            "instrument": {"@id": self.software(run.transform)},
            "agent": {"@id": self.person(run.created_by)},
            "object": _links([*inputs, *params]),
            "result": _links(outputs),
            "startTime": _time(run.started_at),
        }
        if run.finished_at is not None:
            action["endTime"] = _time(run.finished_at)
        if run.status in _STATUS:
            action["actionStatus"] = _STATUS[run.status]
        self.actions.append(action["@id"])
        return self._add(action)

    def document(self, record: Any) -> dict[str, Any]:
        instance = session.instance.name if session.instance is not None else "lineagedb"
        what = f"{type(record).__name__.lower()} {record.uid}" if record is not None else "all"
        root = {
            "@id": "./",
            "@type": "Dataset",
            "identifier": f"urn:uuid:{uuid.uuid4()}",  # this crate: an import sees it again
            "name": f"Lineage of {what} in lineagedb instance {instance}",
            "description": (
                f"The runs, transforms and artifacts of lineagedb instance {instance} "
                f"({what}), exported as a Process Run Crate."
            ),
            "datePublished": _time(datetime.now(UTC)),
            "conformsTo": {"@id": PROFILE},
            "license": {"@id": self.license or "#license"},
            "author": {"@id": self.person(session.user_record)},
            "hasPart": _links(self.files),
            "mentions": _links(self.actions),
        }
        if self.license is None:
            self._add(
                {
                    "@id": "#license",
                    "@type": "CreativeWork",
                    "name": "No license stated",
                    "description": (
                        f"lineagedb instance {instance} records no license for these data: "
                        "ask its owner before reusing them."
                    ),
                }
            )
        else:
            self._add({"@id": self.license, "@type": "CreativeWork", "name": self.license})
        descriptor = {
            "@id": METADATA,
            "@type": "CreativeWork",
            "conformsTo": {"@id": RO_CRATE},
            "about": {"@id": "./"},
        }
        profile = {
            "@id": PROFILE,
            "@type": "CreativeWork",
            "name": "Process Run Crate",
            "version": "0.5",
        }
        graph = [descriptor, root, profile, *self.entities.values()]
        return {"@context": CONTEXT, "@graph": graph}
