"""Parity between environments: spec, rendered configuration and real resources compared level by level."""
