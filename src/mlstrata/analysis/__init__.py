"""Analyses over the spec and plans: cost (GPU capacity), and later review, drift, parity."""
