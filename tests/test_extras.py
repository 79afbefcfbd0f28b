"""The service and the client are extras: without their packages the embedded keep, the command
and its demo work, and what needs them says what to install."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).parent.parent / "pyproject.toml"
#: The extras' packages, made unimportable as if they were not installed.
EXTRAS = ("starlette", "uvicorn", "uvloop", "httptools", "httpx", "psycopg")
WITHOUT_EXTRAS = f"import sys\nfor name in {EXTRAS!r}:\n    sys.modules[name] = None\n"


def without_extras(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STATEKEEP_KEY_DIR": str(tmp_path / "keys")}
    for name in ("STATEKEEP_DATA", "STATEKEEP_URL", "STATEKEEP_API_KEY", "STATEKEEP_KEY", "STATEKEEP_KEY_FILE"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS + code], capture_output=True, text=True, env=env, timeout=120
    )


def command(*args: str) -> str:
    return f"from statekeep.cli import main\nsys.argv = ['statekeep', *{list(args)!r}]\nmain()\n"


def test_the_keep_the_command_and_the_demo_need_no_extra(tmp_path: Path) -> None:
    opened = without_extras(
        f"import statekeep\nwith statekeep.open({str(tmp_path / 'data')!r}) as keep:\n    print(keep.definitions())\n",
        tmp_path,
    )
    assert (opened.returncode, opened.stdout) == (0, "[]\n"), opened.stderr
    demo = without_extras(command("demo", "--actors", "100"), tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "Alice (SUBMIT_INFO, PAY_FEE) is on loan-v2" in demo.stdout


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["serve", "--data", "DATA"], "server"),
        (["--url", "http://127.0.0.1:9", "get", "alice"], "client"),
        (["migrate-store", "--store", "postgresql://statekeep@127.0.0.1:9/db"], "postgres"),
    ],
)
def test_what_needs_an_extra_says_what_to_install(tmp_path: Path, args: list[str], extra: str) -> None:
    args = [str(tmp_path / "data") if a == "DATA" else a for a in args]
    result = without_extras(command(*args), tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("error: ") and f'pip install "statekeep[{extra}]"' in result.stderr


def test_a_postgresql_store_without_its_extra_is_an_import_error_that_says_what_to_install(tmp_path: Path) -> None:
    code = (
        "import statekeep\n"
        "try:\n    statekeep.open('postgresql://statekeep@127.0.0.1:9/db')\n"
        "except ImportError as e:\n    print(isinstance(e, statekeep.Error), e)\n"
    )
    result = without_extras(code, tmp_path)
    assert result.stdout == (
        'True a PostgreSQL store needs psycopg, which is not installed: pip install "statekeep[postgres]"\n'
    ), result.stderr


def test_connect_without_the_client_extra_is_an_import_error_that_says_what_to_install(tmp_path: Path) -> None:
    code = (
        "import statekeep\n"
        "try:\n    statekeep.connect\n"
        "except ImportError as e:\n    print(isinstance(e, statekeep.Error), e)\n"
    )
    result = without_extras(code, tmp_path)
    assert result.stdout == (
        'True statekeep.connect (the HTTP client) needs httpx, which is not installed: pip install "statekeep[client]"\n'
    ), result.stderr


def test_the_test_extra_has_the_server_the_client_and_postgres() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    extras = project["optional-dependencies"]
    assert set(extras["server"]) | set(extras["client"]) | set(extras["postgres"]) <= set(extras["test"])
    default = " ".join(project["dependencies"])
    assert not any(name in default for name in EXTRAS)
