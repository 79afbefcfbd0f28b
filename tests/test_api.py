"""One interface, two transports: ``Keep`` and ``Client`` both satisfy ``KeepAPI`` (mypy --strict
checks the assignments below), with the same parameters."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

import pytest

import statekeep
from statekeep.api import KeepAPI

pytestmark = pytest.mark.usefixtures("key_dir")

METHODS = sorted(name for name in dir(KeepAPI) if not name.startswith("_") or name in ("__enter__", "__exit__"))


def test_keep_and_client_are_keep_apis(tmp_path: Path) -> None:
    with statekeep.open(tmp_path / "data") as keep:
        embedded: KeepAPI = keep
        assert embedded.definitions() == []
    # No request is made: a client connects on its first call.
    with statekeep.connect("http://127.0.0.1:9", api_key="sk_unused") as client:
        remote: KeepAPI = client
        assert remote is client


@pytest.mark.parametrize("implementation", [statekeep.Keep, statekeep.Client])
@pytest.mark.parametrize("name", METHODS)
def test_the_same_parameters_in_the_same_order(implementation: type, name: str) -> None:
    def shape(function: Callable[..., object]) -> list[tuple[str, object, object]]:
        return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]

    assert shape(getattr(implementation, name)) == shape(getattr(KeepAPI, name))
