"""The README keeps up with the code: every command and option of `recon` is in it, and
its example report.md is the one recon writes (pinned by a golden file)."""

from __future__ import annotations

import re
from pathlib import Path

import click

from recon.cli import cli

REPO = Path(__file__).resolve().parent.parent


def _commands(group: click.Group, prefix: str = "recon"):
    for name, command in group.commands.items():
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")


def test_every_command_and_option_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = []
    for path, command in _commands(cli):
        if path not in readme:
            missing.append(path)
        for param in command.params:
            for opt in (*param.opts, *param.secondary_opts):
                if opt.startswith("--") and opt not in ("--help",) \
                        and not re.search(rf"{re.escape(opt)}\b", readme):
                    missing.append(f"{path} {opt}")
    assert missing == []
