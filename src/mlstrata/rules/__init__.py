"""Guardrails on Terraform code: one module per rule family, every rule registered by id in `registry.RULES`.

This package imports nothing itself, so a view can use `base` without loading every rule.
"""
