"""Security headers on every response: no sniffing, no referrer, and who may frame or run what.

A pure ASGI middleware (like ``BodyLimit``), so it also covers the chat page Gradio serves.
The policy pages and the JSON API get a strict Content-Security-Policy; the widget demo one that
lets the widget run (its own script, its own inline styles, calls to this server); the chat page
(Gradio's own scripts and styles) only the framing rule, which follows ``allowed_origins``.
"""

from __future__ import annotations

from collections.abc import Callable

COMMON = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))
API_CSP = "default-src 'none'; frame-ancestors 'none'"
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
DEMO_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
            "img-src 'self' data:; base-uri 'none'; form-action 'none'")


class SecurityHeaders:
    """Adds the headers for the route family of each response, unless the app set them itself."""

    def __init__(self, app: Callable, allowed_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.frame = "frame-ancestors " + " ".join(["'self'", *allowed_origins])

    def headers(self, path: str) -> list[tuple[bytes, bytes]]:
        if path.startswith("/api/") or path == "/healthz":
            policy = API_CSP
        elif path.startswith("/policy/"):
            policy = f"{PAGE_CSP}; {self.frame}"
        elif path == "/widget-demo":
            policy = f"{DEMO_CSP}; {self.frame}"
        elif path == "/widget.js":
            return list(COMMON)  # a script other sites load: framing rules do not apply
        else:
            policy = self.frame
        return [*COMMON, (b"content-security-policy", policy.encode())]

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers(scope["path"])

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
