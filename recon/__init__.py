"""recon — reconcile the entries and balances of ledger v1 (1.x) against v2 (2.0).

From Python: `recon.open("recon.duckdb")` gives the state database's verbs (diff,
worklist, findings, explain, accept, month_end; see recon/api.py).
"""

__version__ = "0.1.0"


def open(db_path="recon.duckdb", config=None):
    """The state database at `db_path` (recon.api.State); see recon/api.py."""
    from recon.api import open as open_state

    return open_state(db_path, config)
