"""The optional parts and what they need: the HTTP service needs the ``server`` extra
(Starlette, uvicorn), the HTTP client the ``client`` extra (httpx). The embedded keep, the
command and its demo need neither."""

from __future__ import annotations

from statekeep.errors import Error


class MissingExtra(Error, ImportError):
    """An optional part used without its packages installed; the message says what to install."""


def missing(part: str, extra: str, error: ModuleNotFoundError) -> MissingExtra:
    """The error for ``part`` when importing it failed with ``error``."""
    return MissingExtra(
        f'{part} needs {error.name}, which is not installed: pip install "statekeep[{extra}]"', name=error.name
    )
