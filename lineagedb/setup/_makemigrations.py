"""Developer tool: write a migration for model changes (``make migrations``).

Covers the core registries and the bionty module.

Example:
    $ python -m lineagedb.setup._makemigrations
"""

from __future__ import annotations

import sys
import tempfile

from django.core.management import call_command

from lineagedb.setup._django import configure
from lineagedb.setup._instance import InstanceSettings

if __name__ == "__main__":
    root = tempfile.mkdtemp()
    configure(InstanceSettings(name="makemigrations", storage_root=root, modules=("bionty",)))
    call_command("makemigrations", "lineagedb", "bionty", *sys.argv[1:])
