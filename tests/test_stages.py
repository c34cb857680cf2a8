"""--profile, the progress display, DuckDB settings, and the benchmark's own plumbing."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import entry

from recon.pipeline.stages import LiveProgress, Stages

STAGES = ("load v1", "load v2", "match", "classify", "worklist", "audit", "summarize",
          "outputs", "commit",
          "publish")
REPO = Path(__file__).resolve().parent.parent


def test_the_live_progress_shows_each_stage_once(ledgers, monkeypatch):
    """A terminal's progress lines: one per stage, none printed twice (the commit and
    the publication are stages of their own)."""
    import contextlib
    import io

    from recon.pipeline import stages

    stream = io.StringIO()

    @contextlib.contextmanager
    def on_a_terminal(log=None):
        progress = LiveProgress(stream=stream)
        yield progress
        progress.close()

    monkeypatch.setattr(stages, "progress_on_terminal", on_a_terminal)
    ledgers.entries("v1", [entry("001")])
    ledgers.entries("v2", [entry("001")])
    ledgers.diff()
    finished = [line.split("\x1b[K")[-1][2:12].strip()
                for line in stream.getvalue().split("\n")[:-1]]
    assert finished == list(STAGES)


def test_profile_prints_every_stage_with_rows_and_a_total(ledgers):
    ledgers.entries("v1", [entry("001"), entry("002")])
    ledgers.entries("v2", [entry("001")])
    run = ledgers.diff("--profile")
    assert run.exit_code == 1
    lines = run.stderr.splitlines()
    assert lines[0].startswith("profile 2026-11-01  (2 + 1 entries)")
    names = [line[2:12].strip() for line in lines[2:-1]]
    assert names == list(STAGES)
    load_v1 = next(line for line in lines if line.startswith("  load v1"))
    assert load_v1.split()[4] == "3"          # 2 entries + 1 derived balance row
    assert lines[-1].startswith("  total")
    seconds = [float(line[12:21]) for line in lines[2:-1]]
    total = float(lines[-1].split()[1])
    assert all(s >= 0 for s in seconds) and abs(total - sum(seconds)) <= 0.0005 * 10


def test_stages_entered_twice_are_one_row():
    stages = Stages()
    with stages.stage("state") as s:
        s.rows = 5
    with stages.stage("outputs"):
        pass
    with stages.stage("state"):
        pass
    assert [t.name for t in stages.times] == ["state", "outputs"]
    assert stages.times[0].rows == 5
    assert stages.total == sum(t.seconds for t in stages.times)


def test_live_progress_shows_the_running_stage_then_a_line_per_stage():
    out = io.StringIO()
    progress = LiveProgress(stream=out, interval=0.01)
    stages = Stages(on_start=progress.stage_started, on_end=progress.stage_ended)
    with stages.stage("match") as s:
        time.sleep(0.05)
        s.rows = 1234
    progress.close()
    text = out.getvalue()
    assert "\r\x1b[K  match" in text and "…" in text           # redrawn while running
    final = text.rsplit("\r\x1b[K", 1)[1]
    assert final.startswith("  match") and "1,234 rows" in final and final.endswith("s\n")


def test_duckdb_settings_from_options_and_bad_values(ledgers, tmp_path):
    ledgers.entries("v1", [entry("001")])
    ledgers.entries("v2", [entry("001")])
    spill = tmp_path / "spill"
    run = ledgers.diff("--threads", "1", "--memory-limit", "512MB",
                       "--temp-directory", str(spill))
    assert run.exit_code == 0 and spill.is_dir()
    bad = ledgers.diff("--memory-limit", "lots")
    assert bad.exit_code == 2
    assert "bad DuckDB setting" in bad.stderr and len(bad.stderr.splitlines()) == 1
    assert ledgers.diff("--threads", "0").exit_code == 2


@pytest.mark.bench
def test_the_benchmark_runs_end_to_end_on_a_tiny_ledger(tmp_path):
    """make bench's runner: generate both shapes and a CSV pair, recon three ways,
    baselines, state size, BENCHMARKS-style table (datacompy left out: it lives in its
    own environment)."""
    out = tmp_path / "BENCH.md"
    argv = [sys.executable, "bench/run.py", "--sizes", "3000", "--runs", "1",
            "--no-datacompy", "--csv-size", "2000", "--data", str(tmp_path / "data"),
            "--write", str(out)]
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    text = out.read_text()
    for shape in ("uniform", "hot"):
        row = next(line for line in text.splitlines()
                   if line.startswith(f"| {shape} | 3,000 |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[2].endswith(" s") and cells[3].endswith(" GB")
        assert cells[4].endswith(" s") and cells[6].endswith(" s")    # bare read, bare join
        assert "not run (--no-datacompy)" in cells[8]
        assert cells[12].endswith(" MB") and cells[14].endswith("%")  # state, state/input
        assert f"| {shape} | 3,000 |" in text.split("Time per stage")[1]
    assert "hot 0.003M: state growth ≤ 15% of the input" in text
    assert "CSV, uniform, 2,000 entries a side: recon " in text
    # under a memory limit, recon and the floors it is measured against share it; that
    # run has a section of its own, and running it again replaces it
    limited = [*argv[:2], "--sizes", "3000", "--shapes", "uniform", "--runs", "1",
               "--no-datacompy", "--memory-limit", "1GB", "--data", str(tmp_path / "data"),
               "--write", str(out)]
    for _ in range(2):
        subprocess.run(limited, cwd=REPO, capture_output=True, text=True, timeout=300,
                       check=True)
    text = out.read_text()
    assert text.count("<!-- bench sizes=3000 ") == 2
    assert text.count("<!-- bench sizes=3000 shapes=uniform csv=0 memory_limit=1GB -->") == 1
    assert "(a) and (b) ran with the same limit" in text
