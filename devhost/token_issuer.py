"""A stand-in for the tenant's token issuer (tests, benchmarks, a local host checking tokens):
RSA keys of its own, a local JWKS endpoint serving their public halves (which a test can rotate
or take down), and tokens shaped as Microsoft issues them to a managed identity (v1 and v2
claims)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

TENANT = "72f988bf-0000-4000-8000-00000000beef"
API_CLIENT_ID = "0c0ffee0-0000-4000-8000-000000000001"
API_URI = f"api://{TENANT}/todo-api-dev-abc"
GATEWAY_OID = "5f1c2d3e-0000-4000-8000-00000000abcd"
GATEWAY_CLIENT_ID = "9a9a9a9a-0000-4000-8000-0000000000c1"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    document = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**document, "kid": kid, "use": "sig", "alg": "RS256"}


@dataclass
class Issuer:
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)
    down: bool = False
    requests: int = 0
    url: str = ""

    def add_key(self, kid: str, publish: bool = True) -> None:
        self.keys[kid] = new_key()
        if publish:
            self.published.append(kid)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(self.keys[kid], kid) for kid in self.published]}

    def token(self, kid: str = "k1", version: int = 2, key: rsa.RSAPrivateKey | None = None,
              **claims: Any) -> str:
        now = int(time.time())
        if version == 2:
            base = {"iss": f"https://login.microsoftonline.com/{TENANT}/v2.0", "aud": API_CLIENT_ID,
                    "azp": GATEWAY_CLIENT_ID, "ver": "2.0"}
        else:
            base = {"iss": f"https://sts.windows.net/{TENANT}/", "aud": API_URI, "appid": GATEWAY_CLIENT_ID,
                    "ver": "1.0"}
        payload = {**base, "oid": GATEWAY_OID, "sub": GATEWAY_OID, "tid": TENANT, "iat": now, "nbf": now,
                   "exp": now + 3600, "roles": ["Todo.Gateway"], **claims}
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, key or self.keys[kid], algorithm="RS256", headers={"kid": kid})


@contextmanager
def running_issuer() -> Iterator[Issuer]:
    issuer = Issuer()
    issuer.add_key("k1")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            issuer.requests += 1
            if issuer.down:
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = json.dumps(issuer.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    issuer.url = f"http://127.0.0.1:{server.server_address[1]}/{TENANT}/discovery/v2.0/keys"
    try:
        yield issuer
    finally:
        # Close it where it was opened (a with block or a fixture): shutdown() waits for the
        # serving thread, which at interpreter exit, a daemon, would never answer.
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def environment(issuer: Issuer) -> dict[str, str]:
    """The app settings infra/modules/functionapp.bicep sets, pointing at this issuer's keys."""
    return {
        "TODO_TRUSTED_CALLER_ID": GATEWAY_OID,
        "TODO_TRUSTED_CALLER_CLIENT_ID": GATEWAY_CLIENT_ID,
        "TODO_TOKEN_TENANT_ID": TENANT,
        "TODO_TOKEN_AUDIENCES": f"{API_CLIENT_ID},{API_URI}",
        "TODO_TOKEN_KEYS_URL": issuer.url,
    }
