"""Values from the ledgers, made safe for where people read them.

A ledger's text is data, written by systems recon does not control: a serial number, an
entity or a file name may hold escape sequences (which repaint a terminal), Unicode
direction overrides (which make `A1‮01` read as something else), markup, or a cell
that a spreadsheet runs as a formula. Each place recon shows such text passes it
through one of these:

- `visible`: the terminal (recon worklist, explain, status, month-end): control
  characters and direction overrides are shown as escapes (`\\x1b`, `\\u202e`), never
  obeyed;
- `md_cell`: report.md and the month-end report.md: `visible`, and markup inert (a `|`
  escaped, a `<` that would open a tag and an `&` that would name an entity written as
  entities, a line break as a space);
- `csv_text_sql`: worklist.csv (opened in spreadsheets): a text cell that starts with
  `=`, `+`, `-`, `@`, a tab or a carriage return gets a `'` in front (OWASP's advice
  against formula injection), unless the whole cell is a plain number.
"""

from __future__ import annotations

import re

# C0 and C1 controls (tab and newline included: a cell is one line), DEL, and the
# Unicode marks and overrides that change the direction of what follows.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What Markdown reads as markup: a `<` opening a tag, comment or declaration, an `&`
# naming an entity. (`a <> b` and `R&D` stay as they are.)
TAG = re.compile(r"<(?=[A-Za-z/!?])")
ENTITY = re.compile(r"&(?=#?\w+;)")
FORMULA_START = "^[=+@\\t\\r-]"
PLAIN_NUMBER = "[+-]?[0-9]+(\\.[0-9]+)?"


def visible(value) -> str:
    """`value` as text a terminal shows as it is: unsafe characters as escapes."""
    text = "" if value is None else str(value)
    return UNSAFE.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def md_cell(value) -> str:
    """`value` as the text of a Markdown table cell (or inline text): visible, its
    markup inert."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", " ").replace("\n", " ")
    text = TAG.sub("&lt;", ENTITY.sub("&amp;", visible(text)))
    return text.replace("|", "\\|")


def csv_text_sql(column: str) -> str:
    """SQL of a text column's value as worklist.csv writes it (see the module)."""
    return (f"CASE WHEN regexp_matches({column}, '{FORMULA_START}') "
            f"AND NOT regexp_full_match({column}, '{PLAIN_NUMBER}') "
            f"THEN '''' || {column} ELSE {column} END")
