"""mlstrata: declare an ML platform once; render, run and govern it as layered Terraform."""

__version__ = "0.1.0"
