"""report.html and month-end-YYYY-MM.html: the pages people look at.

Each page is one self-contained file: CSS and the small table script inline, charts as
inline SVG (recon/reports/charts.py), no network reference of any kind. The
page's figures are gathered first into one plain-JSON "data section", embedded in the
page as <script type="application/json" id="report-data">; the visible page is rendered
from that data by a Jinja2 template (autoescaped), so what the page says and what the
data section says cannot disagree.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from recon.money import shown, shown_by_currency
from recon.reports import charts
from recon.views.explain import SIDE_BY_SIDE
from recon.views.month_end import MonthEnd
from recon.views.page import DatePage
from recon.views.worklist import AGEING_BUCKETS

_env = Environment(loader=PackageLoader("recon.reports", "templates"),
                   autoescape=select_autoescape(["html", "j2"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
# The CJK glyphs of the pages' headings (templates/fonts/README.md), embedded in each page.
CJK_FONT = resources.files("recon.reports").joinpath("templates", "fonts",
                                             "noto-sans-sc-bold-subset.woff")
_env.globals["cjk_font"] = base64.b64encode(CJK_FONT.read_bytes()).decode("ascii")


def render_date(page: DatePage) -> str:
    """report.html: the page of a date, rendered from its data section."""
    data = page.as_data()
    kinds = [(k["kind"], k["count"], _decimals(k["abs_impact"])) for k in data["kinds"]]
    trend = [(date.fromisoformat(t["biz_date"]), t["findings"], _decimals(t["unexplained"]))
             for t in data["trend"]]
    figures = {
        "kinds": charts.by_kind(kinds),
        "trend": charts.trend(trend),
        "ageing": charts.ageing([(a["bucket"], a["items"]) for a in data["ageing"]]),
    }
    return _env.get_template("report.html.j2").render(
        title=f"Reconciliation report — {data['biz_date']}", data=data, figures=figures,
        side_by_side=SIDE_BY_SIDE, data_json=_json_for_script(data), money=shown,
        money_by_currency=_shown_by_currency)


def month_end_data(result: MonthEnd) -> dict:
    """The data section of month-end-YYYY-MM.html: the month-end summary.json."""
    return result.summary()


def render_month_end(data: dict) -> str:
    main_flows = [f for f in data["flows"] if f["biz_type"] in ("DEPOSIT", "WITHDRAW")]
    pivot = data["open_work"]["by_severity_and_age"]
    figures = {
        "flows": charts.flows(
            [(f"{f['legal_entity'] or '(none)'} {f['biz_type']} {f['direction']}",
              f["currency"], Decimal(f["amount_difference"])) for f in main_flows],
            "deposits and withdrawals"),
        "ageing": charts.ageing([(b, sum(pivot[s][b] for s in pivot)) for b in AGEING_BUCKETS],
                                "open worklist items at month end, by age"),
    }
    return _env.get_template("month_end.html.j2").render(
        title=f"Month-end check — {data['month']}", data=data, figures=figures,
        data_json=_json_for_script(data), money=shown,
        money_by_currency=_shown_by_currency)


def render_summary(data: dict, paragraph: str) -> str:
    """The `recon summary` page, from its JSON data (recon/views/period.py)."""
    return _env.get_template("summary.html.j2").render(
        title=f"Reconciliation summary — {data['from']} to {data['to']}", data=data,
        paragraph=paragraph, data_json=_json_for_script(data), money=shown)


def _decimals(amounts: dict[str, str]) -> dict[str, Decimal]:
    return {currency: Decimal(amount) for currency, amount in amounts.items()}


def _shown_by_currency(amounts: dict[str, str]) -> str:
    """A data section's {currency: amount} as the pages show it: CNY 1,234.50; USD 7.00."""
    return shown_by_currency(tuple(sorted(_decimals(amounts).items())))


def _json_for_script(data: dict) -> str:
    # Inside <script>, "</" would end the element: escape it (and <!-- for old parsers).
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")
