"""``python -m pytest_smsmock.contracts [PROVIDER...]``: re-record the shipped suites."""

from __future__ import annotations

import sys

from pytest_smsmock.contracts.suites import main

raise SystemExit(main(sys.argv[1:]))
