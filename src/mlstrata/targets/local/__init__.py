"""The local target (mlstrata's own Terraform provider on this machine): rendering (render.py), spec
checks (checks.py), output names and workspace hooks (workspace.py)."""
