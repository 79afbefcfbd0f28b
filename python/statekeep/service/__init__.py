"""The HTTP service: ``statekeep serve`` (or :func:`serve`) runs the keep over HTTP."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from statekeep.keep import Keep
from statekeep.service.app import create_app

__all__ = ["create_app", "serve"]


def serve(data: str | os.PathLike[str], *, host: str = "127.0.0.1", port: int = 8080,
          key: bytes | str | None = None) -> None:
    """Serve the store in ``data`` until interrupted. The first start of a store with no API
    keys creates an admin key and prints it once."""
    import uvicorn

    keep = Keep(Path(data), key=key)
    try:
        if not keep.api_keys():
            admin = keep.create_api_key("admin", name="first admin key")
            print(f"statekeep: the store has no API keys; created an admin key (shown only now):\n\n"
                  f"    {admin.token}\n\nCreate narrower keys with: statekeep keys create --scope write",
                  file=sys.stderr, flush=True)
        print(f"statekeep: serving {data} on http://{host}:{port} (docs at /docs)", file=sys.stderr, flush=True)
        uvicorn.run(create_app(keep), host=host, port=port, log_level="warning", access_log=False,
                    loop="auto", http="auto", lifespan="on")
    finally:
        keep.close()
