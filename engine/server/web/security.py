"""What keeps the pages safe: sessions after a login with the service's token, CSRF tokens, headers.

- **Authentication.** With the service's authentication on, a page needs either an
  ``Authorization: Bearer`` header (as the API does) or a session. ``/logg-inn`` takes the
  token (or a JWT) in a form, checks it with the service's own ``Authenticator`` and sets a
  session cookie: a random id, HttpOnly, SameSite=Strict, Secure when the page is served over
  HTTPS. The session lives in this process only (a restart logs everyone out), at most
  ``SESSION_HOURS`` and never past a JWT's own ``exp``. The token itself is never stored.
- **CSRF.** Every form carries a token that is an HMAC, under a key of this process, of a
  random value in a cookie of its own (HttpOnly, SameSite=Strict) and the session id; a
  POST without the matching pair is refused (signed double submit). The Origin header, when
  the browser sends one, must be this service's own.
- **Headers.** A strict Content-Security-Policy (``default-src 'self'``, no inline script or
  style, no framing), ``nosniff``, no referrer to other sites, and ``no-store``: a page may show a decision
  about a patient.
- **Hidden numbers.** A message echoed back has its patient numbers replaced by
  placeholders; the numbers travel in a hidden field encrypted (Fernet, a key of this
  process, at most ``HIDDEN_TTL`` seconds old) so that the form can be sent again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from starlette.requests import Request
from starlette.responses import Response

from ..auth import AuthError, Principal

SESSION_COOKIE = "dialogvakt_sesjon"
CSRF_COOKIE = "dialogvakt_csrf"
CSRF_FIELD = "csrf_token"
SESSION_HOURS = 8
MAX_SESSIONS = 10_000
HIDDEN_TTL = 2 * 3600

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make a browser send "Origin: null" with its forms
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass
class Session:
    client: str
    expires: float
    csrf: str = ""


@dataclass
class WebState:
    """Per application: the sessions, the CSRF key and the key of the hidden numbers."""

    csrf_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    hidden: Fernet = field(default_factory=lambda: Fernet(Fernet.generate_key()))
    sessions: dict[str, Session] = field(default_factory=dict)  # sha256 of the cookie -> session

    # ------------------------------------------------------------------ sessions

    def open_session(self, principal: Principal, expires: float | None = None) -> str:
        now = time.time()
        if len(self.sessions) >= MAX_SESSIONS:
            self.sessions = {k: s for k, s in self.sessions.items() if s.expires > now}
            while len(self.sessions) >= MAX_SESSIONS:
                self.sessions.pop(next(iter(self.sessions)))
        cookie = secrets.token_urlsafe(32)
        until = now + SESSION_HOURS * 3600
        self.sessions[_digest(cookie)] = Session(principal.client, min(until, expires or until))
        return cookie

    def session(self, request: Request) -> Session | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        key = _digest(cookie)
        found = self.sessions.get(key)
        if found is None:
            return None
        if found.expires <= time.time():
            self.sessions.pop(key, None)
            return None
        return found

    def close_session(self, request: Request) -> None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            self.sessions.pop(_digest(cookie), None)

    # ------------------------------------------------------------------ CSRF

    def csrf_token(self, request: Request) -> str:
        """The token for this browser's forms (the cookie it rests on is set by ``finish``)."""
        return self._sign(_csrf_cookie(request), request.cookies.get(SESSION_COOKIE, ""))

    def csrf_ok(self, request: Request, sent: str | None) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE)
        if not cookie or not sent:
            return False
        if not same_origin(request):
            return False
        expected = self._sign(cookie, request.cookies.get(SESSION_COOKIE, ""))
        return hmac.compare_digest(expected.encode(), sent.encode())

    def _sign(self, value: str, session: str) -> str:
        return hmac.new(self.csrf_key, f"{value}|{session}".encode(), hashlib.sha256).hexdigest()

    # ------------------------------------------------------------------ hidden numbers

    def hide(self, numbers: Sequence[str]) -> str:
        return self.hidden.encrypt(json.dumps(list(numbers)).encode()).decode() if numbers else ""

    def reveal(self, token: str) -> list[str] | None:
        """The numbers behind a hidden field, or None when it is missing, altered or too old."""
        if not token:
            return None
        try:
            numbers = json.loads(self.hidden.decrypt(token.encode(), ttl=HIDDEN_TTL))
        except (InvalidToken, ValueError):
            return None
        return [str(n) for n in numbers] if isinstance(numbers, list) else None


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def _csrf_cookie(request: Request) -> str:
    value = request.cookies.get(CSRF_COOKIE) or request.scope.get("dialogvakt.csrf_cookie")
    if not value:
        value = secrets.token_urlsafe(24)
        request.scope["dialogvakt.csrf_cookie"] = value  # set on the answer by finish()
    return str(value)


def same_origin(request: Request) -> bool:
    """A browser's Origin (when it sends one) must be this service's own address."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def finish(request: Request, response: Response) -> Response:
    """The security headers, and the CSRF cookie when this answer made one."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    made = request.scope.get("dialogvakt.csrf_cookie")
    if made and not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, str(made), httponly=True, samesite="strict", secure=secure(request),
                            path="/")
    return response


def set_session_cookie(request: Request, response: Response, cookie: str) -> None:
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_HOURS * 3600, httponly=True, samesite="strict",
                        secure=secure(request), path="/")


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=secure(request))


def token_expiry(token: str) -> float | None:
    """A JWT's ``exp`` (already checked by the authenticator), so that a session does not outlive it."""
    if token.count(".") != 2:
        return None
    import jwt

    try:
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        return None
    return float(exp) if isinstance(exp, (int, float)) else None


__all__ = [
    "CSP",
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "HEADERS",
    "SESSION_COOKIE",
    "AuthError",
    "Session",
    "WebState",
    "clear_session_cookie",
    "finish",
    "same_origin",
    "set_session_cookie",
    "token_expiry",
]
