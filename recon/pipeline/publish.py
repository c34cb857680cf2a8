"""The outputs stage, and their publication: a date's files (docs/interface.md §5),
written to a staging folder first.

`write` (the outputs stage, the last inside the run's transaction) puts
worklist.parquet, worklist.csv (UTF-8 with BOM), rejects.parquet, summary.json, report.md
and report.html (unless [outputs] html = false) into `<out>/.<date>.<run_id>.tmp`;
`publish` swaps that folder in for `<out>/<date>` once the state has committed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from recon import queries, text
from recon.dates import utcnow
from recon.pipeline.run import DateRun
from recon.pipeline.summarize import date_page
from recon.reports import markdown
from recon.reports.folders import publish, writing
from recon.result import DateResult
from recon.state.store import RUN_PUBLISHED
from recon.views.page import DatePage

UTF8_BOM = b"\xef\xbb\xbf"
# The latest successful run of each date whose outputs (to :out_dir) were not published:
# a run killed between its commit and the publication of its folder (SQLite).
UNPUBLISHED = """
SELECT run_id, biz_date FROM (
    SELECT run_id, biz_date, published_at, out_dir,
           row_number() OVER (PARTITION BY biz_date, out_dir ORDER BY started_at DESC)
               AS latest
    FROM runs WHERE status = 'succeeded' AND out_dir IS NOT NULL)
WHERE latest = 1 AND published_at IS NULL AND out_dir = :out_dir"""


def run(r: DateRun) -> None:
    with r.stages.stage("outputs") as stage:
        page = date_page(r.con, r.result) if r.config.html else None
        r.staging = write(r.con, r.result, page, r.request.out_dir, r.run_id)
        stage.rows = r.result.findings


def write(con, result: DateResult, page: DatePage | None, out_dir: Path, run_id: str
          ) -> Path:
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


def _write_files(con, result: DateResult, page: DatePage | None, staging: Path) -> None:
    params = {"d": result.biz_date}
    worklist = queries.query("views/worklist_for_date")
    _copy(con, worklist, params, staging / "worklist.parquet", "FORMAT parquet")
    _copy(con, _spreadsheet_safe(con, worklist, params), params,
          staging / "worklist.csv.part", "FORMAT csv, HEADER true")
    _with_bom(staging / "worklist.csv.part", staging / "worklist.csv")
    _copy(con, queries.query("views/rejects_for_date"), params, staging / "rejects.parquet",
          "FORMAT parquet")
    (staging / "summary.json").write_text(
        json.dumps(result.summary(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (staging / "report.md").write_text(markdown.render(result), encoding="utf-8")
    if page is not None:
        from recon.reports import html  # matplotlib and Jinja2: imported only when used

        (staging / "report.html").write_text(html.render_date(page), encoding="utf-8")


def recover(store, out_dir: Path) -> None:
    """What a killed run left in `out_dir`, settled by the next run (which holds the
    lock, so no other run is writing there): the staged folder of a run that committed
    but was not published is published now; the staging and set-aside folders of runs
    that did not commit are removed."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return
    for run_id, biz_date in store.catalog.rows(UNPUBLISHED, {"out_dir": str(out_dir)}):
        staging = out_dir / f".{biz_date}.{run_id}.tmp"
        if staging.is_dir():   # else its files are gone: it stays unpublished, on record
            publish(staging, out_dir / biz_date)
            store.record(RUN_PUBLISHED, {"run_id": run_id, "now": utcnow()})
    with writing(out_dir):
        for leftover in out_dir.iterdir():
            if leftover.is_dir() and leftover.name.startswith(".") and (
                    leftover.name.endswith((".tmp", ".old"))):
                shutil.rmtree(leftover, ignore_errors=True)


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
