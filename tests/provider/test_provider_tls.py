"""The provider's cached TLS identity for the go-plugin handshake (Terraform's own use of it is covered by every
provider test that runs Terraform)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mlstrata.provider import tls


def test_identity_is_made_once_kept_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "provider" / "tls.json"
    made, fresh = tls.identity(path, now=1_800_000_000)
    assert fresh
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again, fresh_again = tls.identity(path, now=1_800_000_000 + 3600)
    assert not fresh_again and again == made
    cert = x509.load_pem_x509_certificate(made["cert_pem"].encode())
    # the DER sent in the handshake line is the certificate gRPC serves, and the expiry kept is the certificate's
    assert cert.public_bytes(serialization.Encoding.DER) == base64.b64decode(made["cert_der_b64"])
    assert int(cert.not_valid_after_utc.timestamp()) == made["not_after"]
    assert cert.not_valid_before_utc.timestamp() <= 1_800_000_000 < made["not_after"]
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    key = serialization.load_pem_private_key(made["key_pem"].encode(), password=None)
    assert key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_identity_close_to_expiry_or_unreadable_is_made_again(tmp_path: Path) -> None:
    path = tmp_path / "tls.json"
    made, _ = tls.identity(path, now=1_800_000_000)
    # a provider process may live as long as a Terraform run: a day before expiry the identity is renewed
    renewed, fresh = tls.identity(path, now=made["not_after"] - tls.RENEW_BEFORE_S)
    assert fresh and renewed["cert_pem"] != made["cert_pem"]
    for broken in ("{not json", json.dumps({"key_pem": "x"}), json.dumps([1]), json.dumps({**made, "not_after": "x"})):
        path.write_text(broken)
        _, fresh = tls.identity(path, now=1_800_000_000)
        assert fresh
        assert json.loads(path.read_text())["not_after"] > 1_800_000_000


def test_identity_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert tls.identity_file() == tmp_path / "xdg" / "mlstrata" / "provider" / "tls.json"
    der, _credentials = tls.server_certificate()
    assert x509.load_der_x509_certificate(der).subject.rfc4514_string() == "CN=localhost"
