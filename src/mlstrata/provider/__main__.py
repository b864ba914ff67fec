"""`python -m mlstrata.provider`: serve the provider over the Terraform plugin protocol."""

from __future__ import annotations

import sys

from mlstrata.provider.plugin import serve

if __name__ == "__main__":
    sys.exit(serve(sys.argv))
