"""An output folder is written whole or not at all: its files go to a staging folder
beside it, which replaces the folder once everything is written (a date's outputs,
recon/pipeline/publish.py; a month-end check's, recon/reports/month_end.py)."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from recon.errors import UsageError


@contextlib.contextmanager
def writing(out_dir: Path):
    """An output folder that cannot be written is the user's to fix: exit 2, naming it."""
    try:
        yield
    except OSError as exc:
        raise UsageError(f"cannot write the outputs: {exc.strerror or exc}",
                         str(exc.filename or out_dir)) from None


def publish(staging: Path, final: Path) -> Path:
    """Replace `final` with `staging`: the old folder is moved aside, then removed."""
    old = None
    with writing(final.parent):
        if final.exists():
            old = final.with_name(f".{final.name}.{staging.name.split('.')[-2]}.old")
            os.replace(final, old)
        os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return final
