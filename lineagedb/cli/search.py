"""Commands that look for values in registries: search (one registry or all), validate (a
table's column against a registry and, for ontologies, its public terms).

Example:
    >>> from lineagedb.cli.search import search
    >>> search.name
    'search'
"""

from __future__ import annotations

import sys
from typing import Any

import click

from lineagedb.cli._base import REGISTRY, _at_most, _print_table, _registry, main
from lineagedb.errors import InvalidArgument


@main.command()
@click.argument("path")
@click.option("--column", required=True, help="The column whose values to check.")
@click.option("--registry", default="ulabel", type=REGISTRY, help="Where the values must be.")
@click.option("--field", default=None, help="The registry's field (default: its name field).")
@click.option("--organism", default=None, help="For genes: human, mouse, ...")
def validate(
    path: str, column: str, registry: str, field: str | None, organism: str | None
) -> None:
    """Check a table's column against a registry; exit 1 if a value is not validated.

    Prints the validated and non-validated values, the synonyms and case
    variants among them, and what to do next; for a registry with a public
    ontology (bionty.CellType), the public term each value names, or the
    closest one. Reads .csv, .tsv and .parquet.

    Example:

        lineagedb validate pbmc.csv --column cell_type --registry bionty.CellType
    """
    import pandas as pd

    reader = pd.read_parquet if path.endswith(".parquet") else pd.read_csv
    # Identifiers are text: a column of ids with a blank cell must not read as 101.0.
    options: dict[str, Any] = {} if path.endswith(".parquet") else {"dtype": str}
    if path.endswith(".tsv"):
        options["sep"] = "\t"
    try:
        table = reader(path, **options)
    except (OSError, ValueError) as error:
        raise InvalidArgument(f"Cannot read '{path}' as a table ({error}).") from None
    if column not in table.columns:
        raise InvalidArgument(
            f"'{path}' has no column {column!r}; it has {[str(c) for c in table.columns]}."
        )
    model = _registry(registry)
    with_organism = {"organism": organism} if organism else {}
    result = model.inspect(table[column], field=field, mute=True, **with_organism)
    click.echo(
        f"{len(result.validated)} of {result.n_unique} distinct values validated "
        f"({result.frac_validated:.1f}%), {result.n_empty} empty"
    )
    if hasattr(model, "public"):
        from lineagedb.bionty.curation import suggestions

        hints = suggestions(model, result, organism, field)
    else:
        mapped = {**result.synonyms_mapper, **result.case_mapper}
        hints = {value: f"→ {term}" for value, term in mapped.items()}
    for value in result.non_validated:
        hint = hints.get(value)
        click.echo(f"not validated\t{value}" + (f"\t{hint}" if hint else ""))
    if result.non_validated:
        sys.exit(1)


@main.command()
@click.argument("query")
@click.option(
    "--registry", default=None, type=REGISTRY, help="Registry to search (default: every one)."
)
@click.option("--limit", **_at_most(20, "results", minimum=1))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def search(query: str, registry: str | None, limit: int, as_json: bool) -> None:
    """Search the text fields of a registry, or of every registry, best matches first.

    Example:

        lineagedb search "natural killer"
        lineagedb search meta --registry artifact
    """
    if registry is not None:
        _print_table(_registry(registry).search(query, limit=limit), as_json)
        return
    _print_table(_search_everywhere(query, limit), as_json)


def _search_everywhere(query: str, limit: int) -> Any:
    """The best ``limit`` matches over the core registries with text and every module's."""
    import pandas as pd

    models = [_registry(name) for name in ("artifact", "collection", "transform", "ulabel")]
    # Imported once connected: the registries' module needs Django configured.
    from lineagedb.models.registry_names import module_registries, qualified

    models += [_registry("feature"), *module_registries()]
    frames = []
    for model in models:
        found = model.search(query, limit=limit)
        if len(found):
            # What names a record: its name field, else its key, else its description.
            texts = [c for c in (model._name_field, "key", "description") if c in found.columns]
            names = found[texts].bfill(axis=1).iloc[:, 0] if texts else found.index.to_series()
            frames.append(
                pd.DataFrame(
                    {
                        "registry": qualified(model),
                        "name": names.astype(str),
                        "score": found["score"],
                    },
                    index=found.index,
                )
            )
    if not frames:
        return pd.DataFrame()
    every = pd.concat(frames)
    return every.sort_values("score", ascending=False, kind="stable").head(limit)
