"""The dashboard's files, served at ``/dashboard/``: built from ``dashboard/`` (TypeScript) and
shipped inside the package, so serving them needs no Node. No key is asked for the files; every
data call the page makes goes to the public JSON API with the key the user enters there."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

#: Where the built files are (python/statekeep/dashboard/static).
STATIC = Path(__file__).resolve().parent.parent / "dashboard" / "static"

#: The page loads nothing from elsewhere and talks only to this server.
HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-cache"),
]


class _Files(StaticFiles):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await super().__call__(scope, receive, with_headers)


def mount() -> Mount:
    """``/dashboard/`` and its files (``/dashboard`` redirects there)."""
    return Mount("/dashboard", app=_Files(directory=STATIC, html=True, check_dir=False), name="dashboard")
