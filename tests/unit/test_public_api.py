from __future__ import annotations

import subprocess
import sys

import pytest

import pytest_smsmock


def test_every_public_name_resolves_from_its_home() -> None:
    assert sorted(pytest_smsmock.__all__) == sorted(pytest_smsmock._HOMES)
    for name in pytest_smsmock.__all__:
        value = getattr(pytest_smsmock, name)
        assert value.__name__ == name
    assert dir(pytest_smsmock) == sorted(pytest_smsmock.__all__)


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = pytest_smsmock.nope  # type: ignore[attr-defined]


def test_importing_the_package_loads_no_server_code() -> None:
    code = (
        "import sys, pytest_smsmock; "
        "print(sorted(m for m in ('pytest_smsmock.hub', 'werkzeug', 'lxml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_importing_the_plugin_loads_no_recording_code() -> None:
    code = (
        "import sys, pytest_smsmock.plugin; "
        "print(sorted(m for m in sys.modules if m.startswith('pytest_smsmock.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['pytest_smsmock.plugin']"


def test_package_is_typed() -> None:
    from importlib.resources import files

    assert files("pytest_smsmock").joinpath("py.typed").is_file()
