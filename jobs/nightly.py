"""What cron runs: `recon nightly` (see `recon nightly --help` and the README).

    python jobs/nightly.py --v1 DIR --v2 DIR --out DIR --db FILE [--config FILE]
                           [--log FILE] [--dry-run] [--today YYYY-MM-DD]
                           [--no-month-end]

Kept as a script so that a crontab needs no installed entry point, only the checkout's
virtual environment (jobs/crontab.example).
"""

from __future__ import annotations

from recon.cli.run import nightly as main

if __name__ == "__main__":
    main(prog_name="nightly")
