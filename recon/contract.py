"""The vocabulary of the interface (docs/interface.md), declared once: the systems, the
contract columns and how each is typed and checked, the finding kinds with what each
one means for the worklist, and the severities.

Everything else reads it from here: the loader's checks (recon/load.py), the config's
column mapping, the CLI's choices, the findings' severity, fix side and suggested
action (`kinds_sql`, joined by recon/sql/classify/finalize_findings.sql), summary.json's
order of kinds. A new finding kind is one row of `KINDS_TABLE` and the query that finds
it, recon/sql/classify/<kind>.sql.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SYSTEMS = ("v1", "v2")


@dataclass(frozen=True)
class Rule:
    """How one contract column is typed and checked. kind: text, direction, amount
    (non-negative money), money (signed), timestamp."""

    column: str
    kind: str
    required: bool


ENTRY_RULES = (
    Rule("serial_no", "text", True),
    Rule("account_id", "text", True),
    Rule("direction", "direction", True),
    Rule("amount", "amount", True),
    Rule("currency", "text", True),
    Rule("biz_type", "text", True),
    Rule("biz_order_no", "text", False),
    Rule("posted_at", "timestamp", True),
    Rule("legal_entity", "text", False),
    Rule("subject_code", "text", False),
    Rule("balance_after", "money", False),
)
BALANCE_RULES = (
    Rule("account_id", "text", True),
    Rule("opening_balance", "money", True),
    Rule("closing_balance", "money", True),
    Rule("currency", "text", True),
)
RULES = {"entries": ENTRY_RULES, "balances": BALANCE_RULES}
# The columns that identify an entry: text in every source (an integer loses zeros).
KEY_COLUMNS = ("serial_no", "account_id")
ENTRY_COLUMNS = tuple(r.column for r in ENTRY_RULES)
BALANCE_COLUMNS = tuple(r.column for r in BALANCE_RULES)

DEFAULT_COMPARE_FIELDS = ("currency", "biz_type", "biz_order_no", "legal_entity", "subject_code")
# Descriptive columns that may be compared. The key and the money are always compared
# (as AMOUNT_/DIRECTION_MISMATCH), so they are not fields.
COMPARABLE_FIELDS = (*DEFAULT_COMPARE_FIELDS, "posted_at", "balance_after")
# A differing value of one of these is at least P3 (it moves money between books).
BOOKING_FIELDS = ("currency", "legal_entity", "subject_code", "biz_type")

SEVERITIES = ("P1", "P2", "P3", "P4")
STATUSES = ("new", "open", "resolved", "accepted")   # a worklist item's lifecycle
FAIL_ON = ("any", "P1", "P2", "P3", "never")


@dataclass(frozen=True)
class Kind:
    """One kind of finding: one row here and one query, recon/sql/classify/<query>.sql,
    which adds the kind's findings to run_findings (recon/pipeline/classify.py runs the
    queries in the order of this table, phase by phase).

    phase: what the query reads: `pairs` (the date's pairs and lone entries, on the
      run's engine), `balances` (the accounts' balances and the entry findings before
      them, on the engine), `beyond` (the entries left MISSING_IN_* by the phases
      before, and the state: the matches beyond one-to-one, on DuckDB).
    severity: the least severe it can be; amounts raise it (|amount_impact| ≥ the P1 or
      P2 threshold, any other amount to P3) and so does an unexplained residual (P1).
    fix_side: the system to repair: `shadow` (v2, or v1 where the account is cut over
      to v2 on the finding's date), `record`, or `system`, the one the finding names.
    action: the suggested action, its {placeholders} filled from the finding's columns
      (`PLACEHOLDERS`); `cases`, (SQL condition on the finding, action) pairs, tried in
      order before it, so that an action never contradicts what the data says.
    balance: the finding is an account's closing-balance difference (counted in the
      balance totals and the month-end check).
    fixed: amounts do not raise the severity (a timing difference is P4 however large:
      the money arrived, a date late).
    per_field: the query runs once per compared field ({field_name}, {v1_field},
      {v2_field}).
    counts: how many of the date's entries a finding stands for, matched beyond one to
      one (the row conservation audit counts them): `system`, one entry of the system
      the finding names; `serials`, every serial of each side ('+'-joined)."""

    name: str
    scope: str
    phase: str
    severity: str
    fix_side: str
    action: str
    cases: tuple[tuple[str, str], ...] = ()
    balance: bool = False
    fixed: bool = False
    per_field: bool = False
    counts: str | None = None

    @property
    def query(self) -> str:
        """Its query: recon/sql/classify/<name in lower case>.sql."""
        return f"classify/{self.name.lower()}"


# Cut over (docs/interface.md §1): the account's record is v2 on the finding's date. Each
# kind's action for such a row repairs v1, the shadow, and says why.
CUT = "record = 'v2'"
SINCE = "v2 is the record since {cutover_date}"

KINDS_TABLE = (
    Kind("MISSING_IN_V2", "entry", "pairs", "P4", "shadow",
         "post the missing entry in v2: {v1_value} as v1 serial {v1_serial_no}",
         cases=(("copies > 1",
                 "v1 has serial {v1_serial_no} more than once (DUPLICATE_SERIAL): remove "
                 "this extra copy ({v1_value}) in v1, or post it in v2 if it is a real "
                 "posting"),
                (CUT, f"reverse v1 serial {{v1_serial_no}} ({{v1_value}}): {SINCE} and "
                      f"has no such entry"))),
    Kind("MISSING_IN_V1", "entry", "pairs", "P4", "shadow",
         "reverse v2 serial {v2_serial_no} ({v2_value}): v1 has no such entry",
         cases=(("copies > 1",
                 "v2 has serial {v2_serial_no} more than once (DUPLICATE_SERIAL): reverse "
                 "this extra copy ({v2_value}) in v2"),
                (CUT, f"post it in v1: {SINCE} ({{v2_value}} as v2 serial "
                      f"{{v2_serial_no}})"))),
    Kind("SERIAL_MISMATCH", "entry", "pairs", "P3", "shadow",
         "renumber v2 serial {v2_serial_no} to v1 serial {v1_serial_no}",
         cases=((CUT, f"renumber v1 serial {{v1_serial_no}} to v2 serial {{v2_serial_no}}: "
                      f"{SINCE}"),)),
    Kind("AMOUNT_MISMATCH", "entry", "pairs", "P4", "shadow",
         "correct v2 serial {v2_serial_no} from {v2_value} to {v1_value}",
         cases=((CUT, f"correct v1 serial {{v1_serial_no}} from {{v1_value}} to "
                      f"{{v2_value}}: {SINCE}"),)),
    Kind("DIRECTION_MISMATCH", "entry", "pairs", "P4", "shadow",
         "correct v2 serial {v2_serial_no} from {v2_value} to {v1_value}",
         cases=((CUT, f"correct v1 serial {{v1_serial_no}} from {{v1_value}} to "
                      f"{{v2_value}}: {SINCE}"),)),
    Kind("FIELD_MISMATCH", "entry", "pairs", "P4", "shadow",
         "set {field} of v2 serial {v2_serial_no} to v1's {v1_value} (v2 has {v2_value}), "
         "or correct v1 at source if its value is wrong", per_field=True,
         cases=((CUT, f"set {{field}} of v1 serial {{v1_serial_no}} to v2's {{v2_value}} "
                      f"(v1 has {{v1_value}}): {SINCE}"),)),
    Kind("DUPLICATE_SERIAL", "entry", "pairs", "P3", "system",
         "remove the extra copies of serial {serial_no} in {system} (each is also a "
         "MISSING_IN_* item)"),
    Kind("TIMING_DIFFERENCE", "entry", "beyond", "P4", "shadow",
         "serial {v2_serial_no} is on {v1_value} in v1 and on {v2_value} in v2: post it in "
         "v2 on v1's business date", fixed=True, counts="system",
         cases=((CUT, f"serial {{v1_serial_no}} is on {{v1_value}} in v1 and on {{v2_value}} "
                      f"in v2: post it in v1 on v2's business date ({SINCE})"),)),
    Kind("SPLIT_MISMATCH", "entry", "beyond", "P3", "shadow",
         "one posting split: v1 {v1_serial_no} ({v1_value}), v2 {v2_serial_no} "
         "({v2_value}); post it in v2 as v1 has it, or accept the split", counts="serials",
         cases=((CUT, f"one posting split: v1 {{v1_serial_no}} ({{v1_value}}), v2 "
                      f"{{v2_serial_no}} ({{v2_value}}); post it in v1 as v2 has it "
                      f"({SINCE}), or accept the split"),)),
    Kind("NETTING_DIFFERENCE", "entry", "beyond", "P3", "shadow",
         "business order {biz_order_no} nets to the same in both: v1 posts {v1_value}, v2 "
         "posts {v2_value}; post it in v2 as v1 has it, or accept the netting",
         cases=((f"{CUT} AND v2_serial_no IS NULL",
                 f"business order {{biz_order_no}} nets to nothing: v1 posts {{v1_value}}, "
                 f"v2 nothing; reverse them in v1 ({SINCE}), or accept the netting"),
                (f"{CUT} AND v1_serial_no IS NULL",
                 f"business order {{biz_order_no}} nets to nothing: v2 posts {{v2_value}}, "
                 f"v1 nothing; post the same in v1 ({SINCE}), or accept the netting"),
                (CUT, f"business order {{biz_order_no}} nets to the same in both: v1 posts "
                      f"{{v1_value}}, v2 posts {{v2_value}}; post it in v1 as v2 has it "
                      f"({SINCE}), or accept the netting"),
                ("v2_serial_no IS NULL",
                 "business order {biz_order_no} nets to nothing: v1 posts {v1_value}, v2 "
                 "nothing; post the same in v2, or accept the netting"),
                ("v1_serial_no IS NULL",
                 "business order {biz_order_no} nets to nothing: v2 posts {v2_value}, v1 "
                 "nothing; reverse them in v2, or accept the netting")),
         fixed=True, counts="serials"),
    Kind("BALANCE_MISMATCH", "account", "balances", "P2", "shadow",
         "investigate the unexplained difference of {residual}",
         cases=(("residual = 0", "explained by the carried-in difference and the entry "
                                 "findings: repair those"),),
         balance=True),
    Kind("ACCOUNT_MISSING_IN_V2", "account", "balances", "P1", "shadow",
         "open the account in v2 with v1's balance",
         cases=(("v2_value IS NOT NULL",
                 "v2 has the account ({v2_value}): deliver v2's day-end balance row "
                 "(BALANCE_ROW_MISSING)"),
                (CUT, f"{SINCE} and has no such account: close it in v1, or open it in v2 "
                      f"with v1's balance")),
         balance=True),
    Kind("ACCOUNT_MISSING_IN_V1", "account", "balances", "P1", "shadow",
         "v1 has no such account: close it in v2",
         cases=(("v1_value IS NOT NULL",
                 "v1 has the account ({v1_value}): deliver v1's day-end balance row "
                 "(BALANCE_ROW_MISSING)"),
                (CUT, f"open the account in v1 with v2's balance: {SINCE}")),
         balance=True),
    Kind("ROLLFORWARD_BREAK", "account", "balances", "P1", "system",
         "recompute the {system} closing balance: it does not follow from the opening "
         "balance and entries"),
    Kind("BALANCE_ROW_MISSING", "account", "balances", "P1", "system",
         "deliver the day-end balance row of the account in {system}"),
    Kind("ACCOUNT_CURRENCY_MISMATCH", "account", "balances", "P1", "shadow",
         "set the account's currency in v2 to v1's {v1_value} (v2 has {v2_value})",
         cases=((CUT, f"set the account's currency in v1 to v2's {{v2_value}} (v1 has "
                      f"{{v1_value}}): {SINCE}"),)),
)
PHASES = ("pairs", "balances", "beyond")
KINDS = tuple(k.name for k in KINDS_TABLE)
ENTRY_KINDS = tuple(k.name for k in KINDS_TABLE if k.scope == "entry")
ACCOUNT_KINDS = tuple(k.name for k in KINDS_TABLE if k.scope == "account")
BALANCE_KINDS = tuple(k.name for k in KINDS_TABLE if k.balance)

# What an action's {placeholder} may name: a finding column, as text ('NULL' for none).
PLACEHOLDERS = {
    "v1_value": "v1_value", "v2_value": "v2_value", "v1_serial_no": "v1_serial_no",
    "v2_serial_no": "v2_serial_no", "field": "field", "system": "system",
    "residual": "CAST(residual AS VARCHAR)",
    "serial_no": "COALESCE(v1_serial_no, v2_serial_no)", "biz_order_no": "biz_order_no",
    "cutover_date": "CAST(cutover_date AS VARCHAR)",
}


def _text(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def kinds_sql() -> str:
    """The kinds as an SQL relation (kind, scope, severity, fix_side, balance, fixed,
    counts), for `JOIN ({kinds}) AS k USING (kind)`."""
    rows = ",\n    ".join(
        f"({_text(k.name)}, {_text(k.scope)}, {_text(k.severity)}, {_text(k.fix_side)}, "
        f"{str(k.balance).upper()}, {str(k.fixed).upper()}, {_text(k.counts)})"
        for k in KINDS_TABLE)
    return (f"SELECT * FROM (VALUES\n    {rows}\n) AS t(kind, scope, severity, fix_side, "
            f"balance, fixed, counts)")


def action_sql() -> str:
    """The SQL expression of a finding's suggested action: its kind's template, each
    {placeholder} replaced by the finding's value (one concat, so a value that looks like
    a placeholder stays as it is)."""
    whens = []
    for kind in KINDS_TABLE:
        action = fill_sql(kind.action)
        if kind.cases:
            action = ("CASE " + " ".join(f"WHEN {condition} THEN {fill_sql(text)}"
                                         for condition, text in kind.cases)
                      + f" ELSE {action} END")
        whens.append(f"WHEN {_text(kind.name)} THEN {action}")
    return "CASE kind\n        " + "\n        ".join(whens) + "\n    END"


def fill_sql(template: str) -> str:
    """SQL of one action template with its {placeholders} filled (one concat, so a value
    that looks like a placeholder stays as it is)."""
    parts = re.split(r"{(\w+)}", template)
    pieces = [f"COALESCE({PLACEHOLDERS[p]}, 'NULL')" if i % 2 else _text(p)
              for i, p in enumerate(parts) if p]
    return f"concat({', '.join(pieces)})"


def _check() -> None:
    for kind in KINDS_TABLE:
        assert kind.scope in ("entry", "account") and kind.severity in SEVERITIES, kind
        assert kind.phase in PHASES and kind.counts in (None, "system", "serials"), kind
        assert kind.fix_side in ("shadow", "record", "system"), kind
        for text in (kind.action, *(t for _, t in kind.cases)):
            unknown = set(re.findall(r"{(\w+)}", text)) - set(PLACEHOLDERS)
            assert not unknown, (kind.name, unknown)


_check()
