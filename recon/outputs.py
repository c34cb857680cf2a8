"""The output files of one date (docs/interface.md §4), written to a staging folder first.

`write` puts worklist.parquet, worklist.csv (UTF-8 with BOM), rejects.parquet,
summary.json, report.md and report.html (unless [outputs] html = false) into
`<out>/.<date>.<run_id>.tmp`; `publish` swaps that folder in for `<out>/<date>` once the
state database has committed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

from recon import queries, report, text
from recon.errors import UsageError
from recon.result import DateResult

UTF8_BOM = b"\xef\xbb\xbf"


def write(con, result: DateResult, page: dict | None, out_dir: Path, run_id: str) -> Path:
    """The date's files in a staging folder; report.html from `page` (its data section),
    none when page is None ([outputs] html = false)."""
    staging = Path(out_dir) / f".{result.biz_date.isoformat()}.{run_id}.tmp"
    with writing(out_dir):
        staging.mkdir(parents=True, exist_ok=False)
    try:
        with writing(out_dir):
            _write_files(con, result, page, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


@contextlib.contextmanager
def writing(out_dir: Path):
    """An output folder that cannot be written is the user's to fix: exit 2, naming it."""
    try:
        yield
    except OSError as exc:
        raise UsageError(f"cannot write the outputs: {exc.strerror or exc}",
                         str(exc.filename or out_dir)) from None


def _write_files(con, result: DateResult, page: dict | None, staging: Path) -> None:
    params = {"d": result.biz_date}
    worklist = queries.query("worklist_for_date")
    _copy(con, worklist, params, staging / "worklist.parquet", "FORMAT parquet")
    _copy(con, _spreadsheet_safe(con, worklist, params), params,
          staging / "worklist.csv.part", "FORMAT csv, HEADER true")
    _with_bom(staging / "worklist.csv.part", staging / "worklist.csv")
    _copy(con, queries.query("rejects_for_date"), params, staging / "rejects.parquet",
          "FORMAT parquet")
    (staging / "summary.json").write_text(
        json.dumps(result.summary(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (staging / "report.md").write_text(report.render(result), encoding="utf-8")
    if page is not None:
        from recon import html_report  # matplotlib and Jinja2: imported only when used

        (staging / "report.html").write_text(html_report.render_date(page), encoding="utf-8")


def recover(con, out_dir: Path) -> None:
    """What a killed run left in `out_dir`, settled by the next run (which holds the
    lock, so no other run is writing there): the staged folder of a run that committed
    but was not published is published now; the staging and set-aside folders of runs
    that did not commit are removed."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return
    pending = con.execute(
        "SELECT run_id, biz_date FROM ("
        "  SELECT run_id, biz_date, published_at, out_dir, row_number() OVER ("
        "    PARTITION BY biz_date, out_dir ORDER BY started_at DESC) AS latest"
        "  FROM runs WHERE status = 'succeeded' AND out_dir IS NOT NULL) "
        "WHERE latest = 1 AND published_at IS NULL AND out_dir = ?", [str(out_dir)]
    ).fetchall()
    for run_id, biz_date in pending:
        staging = out_dir / f".{biz_date.isoformat()}.{run_id}.tmp"
        if staging.is_dir():   # else its files are gone: it stays unpublished, on record
            publish(staging, out_dir / biz_date.isoformat())
            con.execute("UPDATE runs SET published_at = CAST(now() AS TIMESTAMP) "
                        "WHERE run_id = ?", [run_id])
    with writing(out_dir):
        for leftover in out_dir.iterdir():
            if leftover.is_dir() and leftover.name.startswith(".") and (
                    leftover.name.endswith((".tmp", ".old"))):
                shutil.rmtree(leftover, ignore_errors=True)


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


def _spreadsheet_safe(con, query: str, params: dict) -> str:
    """`query` with each text column as worklist.csv writes it: a cell a spreadsheet
    would run as a formula is prefixed with ' (recon/text.py)."""
    query = query.strip().rstrip(";")
    described = con.execute(f"DESCRIBE {query}", queries.bound(query, params)).fetchall()
    columns = [text.csv_text_sql(queries.ident(name)) + f" AS {queries.ident(name)}"
               if kind == "VARCHAR" else queries.ident(name) for name, kind, *_ in described]
    return f"SELECT {', '.join(columns)} FROM ({query})"


def _copy(con, query: str, params: dict, path: Path, options: str) -> None:
    query = query.strip().rstrip(";")
    con.execute(f"COPY ({query}) TO {queries.literal(str(path))} ({options})",
                queries.bound(query, params))


def _with_bom(source: Path, target: Path) -> None:
    with open(target, "wb") as out, open(source, "rb") as src:
        out.write(UTF8_BOM)
        shutil.copyfileobj(src, out, 1 << 20)
    source.unlink()
