"""Recorded replays (issue 15): cassettes, the recorder, the replayer, cassette -> scenario.

Above the servers and below the hub: the hub attaches a `Recorder` (a `core.tap.Tap`) or a
`Replayer` (a `core.tap.Replay`) to its runtime; the CLI reads and converts cassettes.
"""

from __future__ import annotations

from pytest_smsmock.recording.cassette import Cassette, CassetteError, load_cassette
from pytest_smsmock.recording.recorder import Recorder
from pytest_smsmock.recording.replayer import Replayer, ReplayMismatch

__all__ = ["Cassette", "CassetteError", "Recorder", "ReplayMismatch", "Replayer", "load_cassette"]
