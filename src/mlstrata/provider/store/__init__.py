"""Plain-Python models of the local ML platform; no Terraform, no gRPC.

Every function takes a `Layout` (where the platform lives) and plain values, and raises
`StoreError` (a `DiagnosticsError`) with a what / detail / hint when it cannot do its job.
MLflow itself is imported lazily (see `mlflow_api`) and only by operations that write.
"""
