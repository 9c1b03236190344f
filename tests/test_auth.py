"""Bearer tokens: a static token, or JWTs signed RS256/ES256 checked against configured public keys."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from engine.server.auth import Authenticator, AuthError, ConfigError, check_exposure, config_from, is_loopback

ISSUER = "https://helseid-sts.test.example"
AUDIENCE = "dialogvakt"


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("keys")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    out = {"rsa": rsa_key, "ec": ec_key, "other": other}
    for name, key in (("rsa", rsa_key), ("ec", ec_key)):
        pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        (folder / f"{name}.pem").write_bytes(pem)
        out[f"{name}_pem"] = str(folder / f"{name}.pem")
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    jwk.update(kid="key-1", use="sig", alg="RS256")
    (folder / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    out["jwks"] = str(folder / "jwks.json")
    return out


def _token(key, alg: str = "RS256", **claims) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 300, "iat": now, "client_id": "epj-dips",
            "scope": "dialogvakt/decisions", "sub": "some-subject"}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    headers = {"kid": claims.pop("kid")} if "kid" in claims else None
    return jwt.encode(body, key, algorithm=alg, headers=headers)


def _auth(keys: dict, *paths: str, scope: str | None = None) -> Authenticator:
    return Authenticator(config_from(jwt_key_files=paths or (keys["rsa_pem"], keys["ec_pem"]),
                                     audience=AUDIENCE, issuer=ISSUER, scope=scope))


def test_rs256_and_es256_tokens_are_accepted(keys: dict) -> None:
    auth = _auth(keys)
    assert auth.authenticate("Bearer " + _token(keys["rsa"])).client == "epj-dips"
    assert auth.authenticate("Bearer " + _token(keys["ec"], "ES256")).client == "epj-dips"


def test_client_is_named_by_client_id_never_by_subject(keys: dict) -> None:
    principal = _auth(keys).authenticate("Bearer " + _token(keys["rsa"], client_id=None, azp="epj-2"))
    assert principal.client == "epj-2"
    principal = _auth(keys).authenticate("Bearer " + _token(keys["rsa"], client_id=None))
    assert principal.client == "jwt"


@pytest.mark.parametrize("claims, fragment", [
    ({"aud": "another-api"}, "aud"),
    ({"iss": "https://evil.example"}, "iss"),
    ({"exp": int(time.time()) - 3600}, "utløpt"),
    ({"exp": None}, "exp"),
])
def test_bad_claims_are_refused(keys: dict, claims: dict, fragment: str) -> None:
    with pytest.raises(AuthError) as info:
        _auth(keys).authenticate("Bearer " + _token(keys["rsa"], **claims))
    assert fragment in info.value.message
    assert info.value.status == 401


def test_a_token_signed_by_another_key_is_refused(keys: dict) -> None:
    with pytest.raises(AuthError, match="signaturen"):
        _auth(keys).authenticate("Bearer " + _token(keys["other"]))


def test_algorithm_confusion_and_none_are_refused(keys: dict) -> None:
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    public_pem = Path(keys["rsa_pem"]).read_bytes()  # the classic forgery: HMAC keyed with the public key
    signing_input = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(
        json.dumps({"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300}).encode())
    forged = signing_input + "." + b64(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    with pytest.raises(AuthError, match="algoritmen"):
        _auth(keys).authenticate("Bearer " + forged)
    unsigned = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300}, None, algorithm="none")
    with pytest.raises(AuthError):
        _auth(keys).authenticate("Bearer " + unsigned)


def test_required_scope(keys: dict) -> None:
    auth = _auth(keys, scope="dialogvakt/decisions")
    assert auth.authenticate("Bearer " + _token(keys["rsa"])).scopes == ("dialogvakt/decisions",)
    with pytest.raises(AuthError) as info:
        auth.authenticate("Bearer " + _token(keys["rsa"], scope="other/scope"))
    assert info.value.status == 403 and info.value.error == "insufficient_scope"


def test_jwks_file_selects_the_key_by_kid(keys: dict) -> None:
    auth = _auth(keys, keys["jwks"])
    assert auth.authenticate("Bearer " + _token(keys["rsa"], kid="key-1")).client == "epj-dips"
    with pytest.raises(AuthError, match="kid"):
        auth.authenticate("Bearer " + _token(keys["rsa"], kid="key-2"))


def test_static_token(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("a-long-static-token-for-tests\n")
    auth = Authenticator(config_from(token_file=str(path)))
    assert auth.authenticate("Bearer a-long-static-token-for-tests").client == "token"
    for header in (None, "", "Basic abc", "Bearer wrong-token-of-some-length", "Bearer"):
        with pytest.raises(AuthError):
            auth.authenticate(header)


def test_authentication_off_lets_everyone_in() -> None:
    assert Authenticator(config_from()).authenticate(None) is None


def test_settings_that_cannot_work_are_refused(keys: dict) -> None:
    with pytest.raises(ConfigError, match="audience"):
        config_from(jwt_key_files=[keys["rsa_pem"]])
    with pytest.raises(ConfigError, match="16"):
        config_from(token="short")
    with pytest.raises(ConfigError, match="PEM"):
        config_from(jwt_key_files=[__file__], audience=AUDIENCE, issuer=ISSUER)


def test_unauthenticated_only_on_loopback(keys: dict) -> None:
    off = config_from()
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        assert is_loopback(host)
        check_exposure(host, off, allow_unauthenticated=False)
    for host in ("0.0.0.0", "10.0.0.5", "dialogvakt.example"):
        assert not is_loopback(host)
        with pytest.raises(ConfigError, match="autentisering"):
            check_exposure(host, off, allow_unauthenticated=False)
        check_exposure(host, off, allow_unauthenticated=True)
        check_exposure(host, config_from(token="a-long-static-token-for-tests"), allow_unauthenticated=False)
