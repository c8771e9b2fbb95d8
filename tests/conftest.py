"""Suite-wide settings.

Hypothesis: the machines are shared and noisy (2 cores), so the time-based health check
(`too_slow`) and per-example deadlines are off. Under CI (`CI` set) the examples are derandomized
so a run is reproducible from its commit; locally every run explores new examples.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "smsmock",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "smsmock-ci",
    parent=settings.get_profile("smsmock"),
    derandomize=True,
    print_blob=True,
)
settings.load_profile("smsmock-ci" if os.environ.get("CI") else "smsmock")
