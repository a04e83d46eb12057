"""What stands between the network and the application: a loopback Host, a body size limit,
security headers on every response, and CSRF tokens for the page's forms.

The Host check stops DNS rebinding (a web page elsewhere resolving its own name to 127.0.0.1 to
read this server); the size limit keeps an upload from filling memory; the headers forbid
framing, inline scripts and caching (a course is patient data). A form's CSRF token is signed
with a per-process random key and dated: a page elsewhere can neither read one (same-origin
policy, Host check) nor make one, and the server stores nothing to check it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from regimencalc.web.problems import problem

#: Largest request body accepted (the bundled regimen files are under 7 KB).
MAX_BODY_BYTES = 512 * 1024
#: Most of an oversized body read and thrown away before answering 413 (so the client sees the answer).
_DRAIN_BYTES = 64 * 1024 * 1024
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
CSRF_FIELD = "csrf_token"
#: How long a form stays valid (a pharmacist may leave a page open through a shift).
CSRF_SECONDS = 12 * 3600


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name in a Host header, without its port: 'localhost:8000' → 'localhost', '[::1]:80' → '::1'."""
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


class Guard:
    """ASGI middleware: refuse foreign Host headers and oversized bodies; add the security headers."""

    def __init__(self, app: ASGIApp, *, hosts: Iterable[str] = (), max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.hosts = frozenset(h.lower() for h in hosts)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()),
                ]
            await send(message)

        headers = Headers(scope=scope)
        host = host_name(headers.get("host", "")).lower()
        if not (is_loopback(host) or host in self.hosts):
            detail = f"Host '{headers.get('host', '')}' is not this server; open the page at http://127.0.0.1 (or start serve with --allowed-host)"
            await problem(400, detail)(scope, receive, secured)
            return
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > self.max_body:
            await _drain(receive)
            await self._too_large(scope)(scope, receive, secured)
            return
        await self.app(scope, self._limited(receive), secured)

    def _limited(self, receive: Receive) -> Receive:
        """`receive`, refusing (413) once the body passes the limit (a chunked body has no length)."""
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                if message.get("more_body"):
                    await _drain(receive)
                raise HTTPException(413, self._limit_text())
            return message

        return limited

    def _limit_text(self) -> str:
        return f"the request is larger than {self.max_body // 1024} KB; regimen, observations and profile files are a few KB"

    def _too_large(self, scope: Scope) -> Response:
        if scope["path"].startswith("/v1/"):
            return problem(413, self._limit_text())
        return HTMLResponse(
            f"<!doctype html><title>Too large</title><p>{self._limit_text()}. <a href='/'>Back</a>", 413
        )


async def _drain(receive: Receive) -> None:
    """Read and drop the rest of a body (bounded), so the client is reading when the answer comes."""
    drained = 0
    while drained < _DRAIN_BYTES:
        message = await receive()
        drained += len(message.get("body", b""))
        if not message.get("more_body"):
            return


def new_csrf_token(key: bytes, now: float | None = None) -> str:
    """When it was issued, a random nonce, and their HMAC under the process key."""
    issued = f"{int(time.time() if now is None else now)}.{secrets.token_urlsafe(12)}"
    return f"{issued}.{_sign(key, issued)}"


def csrf_ok(key: bytes, token: str | None, now: float | None = None) -> bool:
    """The token was signed by this process less than CSRF_SECONDS ago."""
    issued, _, signature = (token or "").rpartition(".")
    stamp = issued.partition(".")[0]
    if not stamp.isdigit() or not hmac.compare_digest(signature, _sign(key, issued)):
        return False
    return 0 <= (time.time() if now is None else now) - int(stamp) <= CSRF_SECONDS


def _sign(key: bytes, nonce: str) -> str:
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()
