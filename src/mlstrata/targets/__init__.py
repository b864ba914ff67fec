"""Deployment targets: one package each (aws, azure, gcp, local), registered in `registry.TARGETS`.

This package imports nothing, so that `mlstrata check` can use a target's catalog (pure data) without
loading every renderer and the spec models.
"""
