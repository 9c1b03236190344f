"""Bearer-token authentication for the decision service.

Two kinds, either or both:

- a static token (``--token-file``, or ``DIALOGVAKT_TOKEN``), compared in
  constant time;
- a JWT signed with RS256, PS256 or ES256 (as HelseID issues them), checked
  against configured public keys (PEM files or a JWKS file), with ``exp``,
  ``iss`` and ``aud`` required and checked, and optionally a required scope.

Authentication is off by default, which the service allows only on a
loopback address (see ``check_exposure``). Nothing from a token that could
identify a person is kept: the caller is named by the token's ``client_id``
(or ``azp``), never by ``sub`` or any personal-number claim.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ALGORITHMS = ("RS256", "PS256", "ES256")
LEEWAY_SECONDS = 30


class AuthError(Exception):
    """The request is not authenticated. ``error`` is the RFC 6750 error code."""

    def __init__(self, message: str, error: str = "invalid_token", status: int = 401):
        super().__init__(message)
        self.message = message
        self.error = error
        self.status = status


class ConfigError(ValueError):
    """The authentication settings cannot be used."""


@dataclass(frozen=True)
class Principal:
    client: str  # "token" for the static token, else the JWT's client_id/azp
    scopes: tuple[str, ...] = ()


@dataclass
class AuthConfig:
    token: str | None = None
    jwt_keys: list[Any] = field(default_factory=list)  # (kid | None, key object)
    audience: str | None = None
    issuer: str | None = None
    scope: str | None = None
    algorithms: tuple[str, ...] = ALGORITHMS

    @property
    def enabled(self) -> bool:
        return bool(self.token) or bool(self.jwt_keys)


def load_keys(paths: Iterable[str]) -> list[tuple[str | None, Any]]:
    """Public keys from PEM files or JWKS (JSON) files."""
    import jwt
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    keys: list[tuple[str | None, Any]] = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(f"{path}: {exc.strerror}") from None
        text = data.strip()
        if text.startswith(b"{"):
            try:
                jwks = jwt.PyJWKSet.from_json(text.decode("utf-8"))
            except (jwt.PyJWKSetError, jwt.InvalidKeyError, ValueError) as exc:
                raise ConfigError(f"{path}: ikke et gyldig JWKS-dokument ({exc})") from None
            keys.extend((k.key_id, k.key) for k in jwks.keys)
            continue
        try:
            keys.append((None, load_pem_public_key(data)))
        except ValueError:
            raise ConfigError(f"{path}: ikke en offentlig nøkkel i PEM-format") from None
    return keys


def config_from(*, token: str | None = None, token_file: str | None = None, jwt_key_files: Sequence[str] = (),
                audience: str | None = None, issuer: str | None = None, scope: str | None = None) -> AuthConfig:
    """Build and check the settings. A JWT key without audience and issuer is refused."""
    if token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{token_file}: {exc.strerror}") from None
    if token is not None and len(token) < 16:
        raise ConfigError("den statiske nøkkelen (token) må være minst 16 tegn")
    keys = load_keys(jwt_key_files) if jwt_key_files else []
    if keys and not (audience and issuer):
        raise ConfigError("JWT-validering trenger både --jwt-audience og --jwt-issuer")
    return AuthConfig(token=token or None, jwt_keys=keys, audience=audience, issuer=issuer, scope=scope)


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, config: AuthConfig, *, allow_unauthenticated: bool) -> None:
    """Refuse to serve without authentication on anything but loopback, unless told to."""
    if config.enabled or is_loopback(host) or allow_unauthenticated:
        return
    raise ConfigError(
        f"tjenesten vil ikke lytte på {host} uten autentisering; sett opp --token-file eller --jwt-key "
        "(med --jwt-audience og --jwt-issuer), eller bruk --allow-unauthenticated bak en egen tilgangskontroll")


class Authenticator:
    def __init__(self, config: AuthConfig):
        self.config = config

    @property
    def enabled(self) -> bool:
        return self.config.enabled

    def authenticate(self, authorization: str | None) -> Principal | None:
        """The caller, or None when authentication is off. Raises AuthError."""
        if not self.config.enabled:
            return None
        if not authorization:
            raise AuthError("mangler Authorization: Bearer <token>", error="invalid_request")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthError("forventet Authorization: Bearer <token>", error="invalid_request")
        if self.config.token and hmac.compare_digest(token.encode("utf-8"), self.config.token.encode("utf-8")):
            return Principal("token")
        if self.config.jwt_keys and token.count(".") == 2:
            return self._jwt(token)
        raise AuthError("ugyldig token")

    def _jwt(self, token: str) -> Principal:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("ugyldig token") from None
        alg = header.get("alg")
        if alg not in self.config.algorithms:
            raise AuthError(f"algoritmen må være en av {', '.join(self.config.algorithms)}")
        kid = header.get("kid")
        candidates = [key for key_id, key in self.config.jwt_keys
                      if (kid is None or key_id in (None, kid)) and _fits(key, alg)]
        if not candidates:
            raise AuthError("ingen kjent nøkkel passer tokenet (kid eller algoritme)")
        last: Exception | None = None
        for key in candidates:
            try:
                claims = jwt.decode(token, key, algorithms=[alg], audience=self.config.audience,
                                    issuer=self.config.issuer, leeway=LEEWAY_SECONDS,
                                    options={"require": ["exp", "iss", "aud"]})
                break
            except jwt.ExpiredSignatureError:
                raise AuthError("tokenet er utløpt") from None
            except jwt.InvalidAudienceError:
                raise AuthError("tokenet er ikke utstedt for denne tjenesten (aud)") from None
            except jwt.InvalidIssuerError:
                raise AuthError("tokenet er utstedt av en ukjent utsteder (iss)") from None
            except jwt.MissingRequiredClaimError as exc:
                raise AuthError(f"tokenet mangler kravet «{exc.claim}»") from None
            except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError, jwt.InvalidKeyError, TypeError) as exc:
                last = exc
            except jwt.PyJWTError:
                raise AuthError("ugyldig token") from None
        else:
            raise AuthError("signaturen stemmer ikke") from last
        scopes = _scopes(claims.get("scope"))
        if self.config.scope and self.config.scope not in scopes:
            raise AuthError(f"tokenet mangler scope «{self.config.scope}»", error="insufficient_scope", status=403)
        client = claims.get("client_id") or claims.get("azp") or "jwt"
        return Principal(str(client), tuple(scopes))


def _fits(key: Any, alg: str) -> bool:
    """RS256/PS256 need an RSA key, ES256 an elliptic-curve key."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    return isinstance(key, ec.EllipticCurvePublicKey) if alg.startswith("ES") else isinstance(key, rsa.RSAPublicKey)


def _scopes(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def challenge(error: AuthError) -> str:
    """The WWW-Authenticate header for a refused request."""
    return f'Bearer realm="dialogvakt", error="{error.error}", error_description={json.dumps(error.message)}'


__all__ = [
    "ALGORITHMS",
    "AuthConfig",
    "AuthError",
    "Authenticator",
    "ConfigError",
    "Principal",
    "challenge",
    "check_exposure",
    "config_from",
    "is_loopback",
    "load_keys",
]
