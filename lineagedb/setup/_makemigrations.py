"""Developer tool: write a migration for model changes (``make migrations``).

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
    configure(InstanceSettings(name="makemigrations", storage_root=tempfile.mkdtemp()))
    call_command("makemigrations", "lineagedb", *sys.argv[1:])
