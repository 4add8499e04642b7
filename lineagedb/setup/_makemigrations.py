"""Developer tool: write a migration for model changes (``make migrations``).

Covers the core registries and the bionty module; ``--module NAME`` writes
the migrations of a schema module instead (``lineagedb module new`` runs it).

Example:
    $ python -m lineagedb.setup._makemigrations
    $ python -m lineagedb.setup._makemigrations --module mylab
"""

from __future__ import annotations

import sys
import tempfile

from django.core.management import call_command

from lineagedb.setup._django import configure
from lineagedb.setup._instance import InstanceSettings
from lineagedb.setup._modules import resolve

if __name__ == "__main__":
    root = tempfile.mkdtemp()
    arguments = sys.argv[1:]
    if arguments[:1] == ["--module"]:
        module = resolve(arguments[1])
        configure(
            InstanceSettings(name="makemigrations", storage_root=root, modules=(module.name,))
        )
        call_command("makemigrations", module.label, *arguments[2:])
    else:
        configure(InstanceSettings(name="makemigrations", storage_root=root, modules=("bionty",)))
        call_command("makemigrations", "lineagedb", "bionty", *arguments)
