"""Helpers of the SMART tests: keys and client assertions, the token endpoint called as a system does."""

import base64
import datetime as dt
import time
import uuid
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from carebridge.interop.smart.services import ASSERTION_TYPE, patient_token_issue, smart_client_register

TOKEN_URL = "http://testserver/oauth/token"


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_key():
    return ec.generate_private_key(ec.SECP384R1())


def jwks_of(*keys):
    """Return the public JWKS of private keys, each with a kid."""
    found = []
    for index, key in enumerate(keys):
        if isinstance(key, rsa.RSAPrivateKey):
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            jwk["alg"] = "RS384"
        else:
            jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
            jwk["alg"] = "ES384"
        found.append({**jwk, "kid": f"key-{index}", "use": "sig"})
    return {"keys": found}


def assertion(client_id, key, *, kid="key-0", aud=TOKEN_URL, lifetime=240, jti=None, algorithm=None, **claims):
    """Return a signed client assertion (SMART Backend Services)."""
    now = int(time.time())
    algorithm = algorithm or ("RS384" if isinstance(key, rsa.RSAPrivateKey) else "ES384")
    body = {"iss": client_id, "sub": client_id, "aud": aud, "exp": now + lifetime, "jti": jti or str(uuid.uuid4()),
            **claims}
    return jwt.encode(body, key, algorithm=algorithm, headers={"kid": kid})


def jwt_client(hospital, admin, key, scopes=("system/*.read",)):
    client, _secret = smart_client_register(organisation=hospital, name="Haikou EHR", auth_method="private_key_jwt",
                                            allowed_scopes=list(scopes), registered_by=admin, jwks=jwks_of(key))
    return client


def secret_client(hospital, admin, scopes=("system/*.read",)):
    return smart_client_register(organisation=hospital, name="Haikou lab system", auth_method="client_secret",
                                 allowed_scopes=list(scopes), registered_by=admin)


def token_request(http, data, **headers):
    """POST to the token endpoint form-encoded, as RFC 6749 asks."""
    return http.post("/oauth/token", urlencode(data), content_type="application/x-www-form-urlencoded", **headers)


def basic(client_id, secret):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def jwt_token(http, client, key, scope="system/*.read", **assertion_args):
    """Return the token endpoint's response for a client assertion."""
    return token_request(http, {"grant_type": "client_credentials", "scope": scope,
                                "client_assertion_type": ASSERTION_TYPE,
                                "client_assertion": assertion(client.client_id, key, **assertion_args)})


def patient_token(user, patient, scopes=("patient/*.read",), lifetime="1h"):
    _token, raw = patient_token_issue(user=user, patient=patient, name="Family health app", scopes=list(scopes),
                                      lifetime=lifetime)
    return raw


def later(minutes):
    return dt.timedelta(minutes=minutes)
