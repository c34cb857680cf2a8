"""recon — reconcile the entries and balances of ledger v1 (1.x) against v2 (2.0)."""

__version__ = "0.1.0"
