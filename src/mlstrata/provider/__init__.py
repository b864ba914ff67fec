"""mlstrata's local Terraform provider (plugin protocol 6, served by the PyPI `tf` framework).

`store/` holds the plain-Python models of the local platform (buckets, MLflow registries, service
accounts, permissions, metadata stores, GPU pools), testable without Terraform. `resources/` holds
one Terraform resource per file: its schema and CRUD, translating to the store. `install.py` puts
the provider where Terraform finds it. See README.md in this folder.
"""

from __future__ import annotations

HOSTNAME = "local.mlstrata.dev"
NAMESPACE = "mlstrata"
TYPE = "mlstrata"
VERSION = "0.1.0"
ADDRESS = f"{HOSTNAME}/{NAMESPACE}/{TYPE}"
TYPE_PREFIX = "mlstrata_"
# The provider's PostgreSQL server when `postgres_dsn` is not set in its block: mlstrata passes the DSN to
# the provider process through this variable, so it never becomes a Terraform variable (variables are
# stored in plain text in saved plans and in `show -json`).
POSTGRES_DSN_ENV = "MLSTRATA_POSTGRES_DSN"
