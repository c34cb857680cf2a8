"""The HTML reports: valid, self-contained pages whose data section is exactly what the
run found; and, in headless Chromium, charts that render and a worklist that sorts and
filters."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from conftest import open_state

from fixtures.generate import Spec, generate
from recon import pipeline
from recon.config import Config
from recon.reports.charts import is_chart
from recon.reports.month_end import write as write_month_end
from recon.views.month_end import Month, check

GOLDEN = Path(__file__).parent / "golden"
ARTIFACTS = Path(__file__).parent / "artifacts"
DAY = date(2026, 11, 2)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
NETWORK = re.compile(r"^\s*(https?:|ftp:|//)", re.I)


class StrictHTML(HTMLParser):
    """Well-formedness as the templates promise it: a doctype, every element closed in
    order, unique ids, and no attribute that points to the network."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: set[str] = set()
        self.doctype = None
        self.tags: dict[str, int] = {}
        self.scripts: dict[str, str] = {}
        self._script_id = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        self._attrs(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "script":
            self._script_id = dict(attrs).get("id", "")

    def handle_startendtag(self, tag, attrs):
        self._attrs(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        if self._script_id is not None and self.stack and self.stack[-1] == "script":
            self.scripts[self._script_id] = self.scripts.get(self._script_id, "") + data
        if (self.stack and self.stack[-1] == "style"
                and re.search(r"url\(\s*['\"]?(https?:|//)|@import", data)):
            self.errors.append("a stylesheet imports from the network")

    def _attrs(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            self.errors.append(f"<{tag}> repeats an attribute")
        for name, value in attrs:
            if name == "id":
                if value in self.ids:
                    self.errors.append(f"duplicate id {value}")
                self.ids.add(value)
            if name in ("src", "href", "xlink:href", "action", "data", "poster", "srcset") \
                    and value and NETWORK.match(value):
                self.errors.append(f"<{tag} {name}={value!r}> points to the network")
            if name == "style" and value and re.search(r"url\(\s*['\"]?(https?:|//)", value):
                self.errors.append(f"<{tag} style> loads from the network")


def check_page(path: Path) -> StrictHTML:
    page = StrictHTML()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    assert page.doctype and page.doctype.lower() == "doctype html"
    assert page.errors == []
    assert page.stack == []
    assert page.tags.get("html") == page.tags.get("body") == page.tags.get("title") == 1
    assert "link" not in page.tags and "img" not in page.tags and "iframe" not in page.tags
    return page


@pytest.fixture(scope="module")
def reconciled(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("html")
    generate(root / "data", Spec(start=date(2026, 11, 1), days=2, entries=150, accounts=20,
                                 breaks=1, junk=2, balance_breaks=1, seed=42, files=1))
    request = pipeline.DiffRequest(v1_dir=root / "data" / "v1", v2_dir=root / "data" / "v2",
                               out_dir=root / "out", db_path=root / "recon.duckdb",
                               config=Config())
    pipeline.diff(request, [date(2026, 11, 1), DAY])
    return root


def data_section(page: StrictHTML) -> dict:
    return json.loads(page.scripts["report-data"])


def test_report_html_is_valid_and_self_contained(reconciled):
    path = reconciled / "out" / DAY.isoformat() / "report.html"
    page = check_page(path)
    text = path.read_text(encoding="utf-8")
    svgs = re.findall(r"<svg.*?</svg>", text, re.S)
    assert len(svgs) == 3 and all(is_chart(s) for s in svgs)
    data = data_section(page)
    summary = json.loads((path.parent / "summary.json").read_text())
    assert data["verdict"] == summary["verdict"] == "breaks"
    assert data["headline"]["findings"] == summary["findings_total"]
    assert data["headline"]["unexplained"] == summary["balances"]["unexplained_abs"]
    assert [t["biz_date"] for t in data["trend"]] == ["2026-11-01", "2026-11-02"]
    worklist = duckdb.connect().execute(
        f"SELECT item_id FROM read_parquet('{path.parent}/worklist.parquet')").fetchall()
    assert [r["item_id"] for r in data["worklist"]["rows"]] == [i for (i,) in worklist]
    # every row of the worklist is a row of the page's table
    assert text.count("<tr>") >= len(worklist)
    assert data["accounts"] and any(a["entries"] for a in data["accounts"])


def test_month_end_html_is_valid_and_self_contained(reconciled, tmp_path):
    con = open_state(reconciled / "recon.duckdb")
    try:
        result = check(con, Month(2026, 11))
    finally:
        con.close()
    folder = write_month_end(result, tmp_path)
    page = check_page(folder / "month-end-2026-11.html")
    assert data_section(page) == json.loads((folder / "summary.json").read_text())
    text = (folder / "month-end-2026-11.html").read_text(encoding="utf-8")
    assert len(re.findall(r"<svg", text)) == 2


def test_a_network_reference_is_caught():
    page = StrictHTML()
    page.feed('<!DOCTYPE html><html><head><title>x</title></head><body>'
              '<script src="https://cdn.example.com/x.js"></script>'
              '<svg><use xlink:href="//evil/x#y"/></svg></body></html>')
    assert len(page.errors) == 2


def test_the_data_section_matches_the_golden_file(reconciled):
    page = StrictHTML()
    page.feed((reconciled / "out" / DAY.isoformat() / "report.html").read_text())
    data = data_section(page)
    golden = GOLDEN / "report_data.json"
    if os.environ.get("RECON_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    assert data == json.loads(golden.read_text())


# -- in a real browser ------------------------------------------------------------------

@pytest.mark.browser
def test_the_page_renders_and_the_worklist_sorts_and_filters(reconciled, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    path = reconciled / "out" / DAY.isoformat() / "report.html"
    browser.get(path.as_uri())
    for chart in ("chart-kinds", "chart-trend", "chart-ageing"):
        svg = browser.find_element(By.CSS_SELECTOR, f"#{chart} svg")
        assert svg.size["width"] > 100 and svg.size["height"] > 50
        assert len(svg.find_elements(By.CSS_SELECTOR, "path")) > 3

    def rows():
        return [r for r in browser.find_elements(By.CSS_SELECTOR, "#worklist tbody tr")
                if r.is_displayed()]
    header = browser.find_element(By.XPATH, "//table[@id='worklist']//th[.='amount_impact']")
    column = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#worklist th")
              ].index("amount_impact")

    def impacts() -> list[Decimal]:
        return [Decimal(r.find_elements(By.TAG_NAME, "td")[column].get_attribute("data-value"))
                for r in rows()]

    total = len(rows())
    assert total > 5
    header.click()
    assert impacts() == sorted(impacts())
    header.click()
    assert impacts() == sorted(impacts(), reverse=True)

    Select(browser.find_element(By.ID, "worklist-kind")).select_by_value("MISSING_IN_V2")
    kind_column = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#worklist th")
                   ].index("kind")
    kinds = {r.find_elements(By.TAG_NAME, "td")[kind_column].text for r in rows()}
    assert kinds == {"MISSING_IN_V2"}
    shown = len(rows())
    assert 0 < shown < total
    assert browser.find_element(By.ID, "worklist-count").text == f"{shown} of {total} shown"

    Select(browser.find_element(By.ID, "worklist-kind")).select_by_value("")
    first = rows()[0].find_elements(By.TAG_NAME, "td")[0].text
    box = browser.find_element(By.ID, "worklist-filter")
    box.send_keys(first)
    assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows()] == [first]

    ARTIFACTS.mkdir(exist_ok=True)
    box.clear()
    browser.execute_script("document.getElementById('worklist-filter')"
                           ".dispatchEvent(new Event('input'))")
    assert len(rows()) == total
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(ARTIFACTS / "report.png"))
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_the_page_can_be_switched_off_for_long_backfills(tmp_path):
    from conftest import Ledgers, entry

    ledgers = Ledgers(tmp_path)
    ledgers.entries("v1", [entry("001")])
    ledgers.entries("v2", [entry("001", amount="11.00")])
    day = ledgers.out / "2026-11-01"
    assert ledgers.diff(html=True).exit_code == 1
    assert (day / "report.html").exists()
    assert ledgers.diff("--no-html").exit_code == 1
    assert not (day / "report.html").exists() and (day / "report.md").exists()
    config = tmp_path / "recon.toml"
    config.write_text("[outputs]\nhtml = false\n")
    assert ledgers.diff("--config", str(config), "--html").exit_code == 1
    assert (day / "report.html").exists()          # --html wins over the config
    assert ledgers.diff("--config", str(config)).exit_code == 1
    assert not (day / "report.html").exists()
    config.write_text("[outputs]\nhtml = 'yes'\n")
    bad = ledgers.diff("--config", str(config))
    assert bad.exit_code == 2 and "outputs.html must be true or false" in bad.stderr


def test_the_embedded_font_has_every_cjk_character_the_pages_use():
    """The pages embed a subset of a CJK font (templates/fonts/README.md): a template
    that gains a character the subset lacks would show it as an empty box."""
    from fontTools.ttLib import TTFont

    from recon.reports import html as html_report

    templates = Path(html_report.__file__).parent / "templates"
    used = {c for p in templates.glob("*.j2")
            for c in re.findall(r"[\u4e00-\u9fff]", p.read_text(encoding="utf-8"))}
    font = TTFont(str(html_report.CJK_FONT))
    assert used and used <= {chr(code) for code in font.getBestCmap()}
