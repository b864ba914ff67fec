"""The GCP target: rendering (render.py), spec checks (checks.py), GPU/TPU machine catalog (catalog.py).

GKE Standard with GPU and TPU node pools, GCS, Cloud SQL, Pub/Sub, Workload Identity and the MLflow
registry's infrastructure; one project per environment, `gcs` state.
"""
