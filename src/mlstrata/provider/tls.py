"""The provider's TLS identity for the plugin handshake, kept so that a start does not import `cryptography`.

Terraform starts the provider 3-4 times per unit per plan or apply. The `tf` framework's own
`runner._self_signed_cert` imports `cryptography` on every start (~50 ms of CPU) only to read the
expiry of its cached certificate. Here the certificate is made once (with `cryptography`) and cached
with its expiry as a number, so an ordinary start reads one small JSON file and hands the PEMs to gRPC.
go-plugin trusts exactly the certificate sent in the handshake line (the DER after the last `|`), so
any self-signed server certificate for `localhost` will do.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from pathlib import Path
from typing import Any

from mlstrata.provider.store import files
from mlstrata.provider.store.layout import default_cache_dir

VALID_FOR_S = 7 * 24 * 3600
# a start never hands out a certificate that could expire while Terraform still uses the process
RENEW_BEFORE_S = 24 * 3600


def identity_file() -> Path:
    """`$XDG_CACHE_HOME/mlstrata/provider/tls.json`: mode 0600 in a 0700 folder (it holds the private key)."""
    return default_cache_dir() / "provider" / "tls.json"


def _load(path: Path, now: float) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    keys = ("key_pem", "cert_pem", "cert_der_b64", "not_after")
    if not isinstance(data, dict) or not all(key in data for key in keys):
        return None
    if not isinstance(data["not_after"], int | float) or data["not_after"] - RENEW_BEFORE_S <= now:
        return None
    return data


def _make(now: float) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    start = datetime.fromtimestamp(int(now), UTC) - timedelta(seconds=60)
    end = start + timedelta(seconds=VALID_FOR_S)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=True, key_cert_sign=True, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=True
        )
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "key_pem": key_pem.decode(),
        "cert_pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "cert_der_b64": base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode(),
        "not_after": int(end.timestamp()),
    }


def identity(path: Path | None = None, now: float | None = None) -> tuple[dict[str, Any], bool]:
    """The cached identity (key and certificate PEMs, DER, expiry), made and stored when missing,
    unreadable or close to expiry; the flag says whether it was made now."""
    where = path or identity_file()
    moment = time.time() if now is None else now
    found = _load(where, moment)
    if found is not None:
        return found, False
    made = _make(moment)
    with contextlib.suppress(OSError):  # a read-only cache only costs the next start the same work
        files.write_secret(where, json.dumps(made, sort_keys=True))
    return made, True


def server_certificate() -> tuple[bytes, Any]:
    """What `tf.runner._self_signed_cert` returns: the certificate's DER and gRPC server credentials."""
    import grpc  # type: ignore[import-untyped]

    data, _ = identity()
    credentials = grpc.ssl_server_credentials(
        [(data["key_pem"].encode(), data["cert_pem"].encode())], require_client_auth=False
    )
    return base64.b64decode(data["cert_der_b64"]), credentials

