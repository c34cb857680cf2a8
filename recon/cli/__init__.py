"""The `recon` command line: each command parses its options, calls one verb of
recon/api.py (the commands layer, which the nightly job and notebooks call too) and
hands what it returns to a renderer (recon/reports/). No logic lives here.

- base.py: the `recon` group, errors to one line and an exit code, shared options;
- run.py: `recon diff`, `recon nightly`;
- read.py: `recon explain`, `recon worklist` (and `accept`), `recon month-end`,
  `recon status`;
- migration.py: `recon readiness`, `recon summary`.
"""

from __future__ import annotations

from recon.cli import migration, read, run
from recon.cli.base import cli

__all__ = ["cli", "main", "migration", "read", "run"]


def main() -> None:
    cli(prog_name="recon")
