#!/usr/bin/env bash
# Prints the JWKS of Ed25519 private keys (PEM files), as auth serves it at
# /.well-known/jwks.json: the value of JWT_PUBLIC_KEYS (var.jwt_public_keys). During a
# rotation, pass the old and the new key. Needs only openssl and python3.
#   openssl genpkey -algorithm ed25519 -out jwt-2026-01.pem
#   infra/jwks.sh jwt-2026-01.pem
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 KEY.pem [OLD-KEY.pem...]" >&2; exit 2; }
python3 - "$@" <<'PY'
import base64, hashlib, json, subprocess, sys

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

keys = []
for path in sys.argv[1:]:
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    x = b64url(der[-32:])  # an Ed25519 SubjectPublicKeyInfo ends with the raw 32-byte key
    # The key id is the RFC 7638 thumbprint, as auth computes it.
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    kid = b64url(hashlib.sha256(canonical.encode()).digest())
    keys.append({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"})
keys.sort(key=lambda k: k["kid"])
print(json.dumps({"keys": keys}, separators=(",", ":")))
PY
