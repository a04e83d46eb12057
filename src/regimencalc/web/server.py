"""Starting the server: uvicorn on a loopback address unless told otherwise, no access log.

The access log is off because a log is kept: the page sends patient values only in request
bodies, but a URL typed by hand could carry them. An internal error is logged by its type only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from regimencalc.web.app import create_app
from regimencalc.web.guard import is_loopback

log = logging.getLogger("regimencalc.web")


class _Contained:
    """The outermost layer: an exception that escaped the application is logged by type, no traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as exc:  # the answer (a 500 problem) has been sent by the application
            log.error("internal error (%s) while answering a request", type(exc).__name__)


def serve(host: str, port: int, allowed_hosts: Iterable[str] = ()) -> None:
    """Serve the page and the API until interrupted; `host` names accepted beside the loopback ones."""
    import uvicorn

    extra = [*allowed_hosts, *([] if is_loopback(host) or host in ("0.0.0.0", "::") else [host])]
    uvicorn.run(
        _Contained(create_app(allowed_hosts=extra)),
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        server_header=False,
        proxy_headers=False,
    )
