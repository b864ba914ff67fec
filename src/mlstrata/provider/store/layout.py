"""Where each kind of object of the local platform lives under the provider's `root`."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from mlstrata.provider.store.errors import StoreError

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$")


def check_name(kind: str, name: str, attribute: str = "name") -> None:
    """Reject names that are not safe as one path component."""
    if not NAME_PATTERN.fullmatch(name) or name in {".", ".."}:
        raise StoreError(
            f"invalid {kind} name {name!r}",
            detail="Names are 1-63 characters: lower-case letters, digits, '_', '.', '-'; "
            "they start with a letter or digit.",
            hint=f"Rename the {kind}.",
            path=attribute,
        )


def check_username(username: str, attribute: str = "name") -> None:
    """Reject MLflow user names that are not safe as a file name."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise StoreError(
            f"invalid user name {username!r}",
            detail="User names are 1-128 characters: letters, digits, '_', '.', '@', '-'.",
            hint="Rename the service account.",
            path=attribute,
        )


def default_secrets_dir() -> Path:
    """`$XDG_DATA_HOME/mlstrata/secrets`, or `~/.local/share/mlstrata/secrets`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mlstrata" / "secrets"


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/mlstrata`, or `~/.cache/mlstrata`: what the provider can make again if it is lost."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlstrata"


@dataclass(frozen=True)
class Layout:
    """The folders of one environment's local platform (`root`) and of its secrets."""

    root: Path
    secrets_dir: Path

    @property
    def buckets(self) -> Path:
        return self.root / "buckets"

    @property
    def registries(self) -> Path:
        return self.root / "registries"

    @property
    def metadata_stores(self) -> Path:
        return self.root / "metadata"

    @property
    def gpu_pools(self) -> Path:
        return self.root / "gpu_pools"

    def bucket_dir(self, name: str) -> Path:
        check_name("bucket", name)
        return self.buckets / name

    def registry_dir(self, name: str) -> Path:
        check_name("registry", name)
        return self.registries / name

    @property
    def secrets_namespace(self) -> Path:
        """Secrets of this root, apart from other roots that reuse the same names."""
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:16]
        return self.secrets_dir / digest

    def registry_secrets(self, registry: str) -> Path:
        check_name("registry", registry)
        return self.secrets_namespace / "registries" / registry

    def password_file(self, registry: str, username: str) -> Path:
        """Where the password of `username` in `registry` is kept (mode 0600)."""
        check_username(username)
        return self.registry_secrets(registry) / f"{username}.password"
