"""What the aws target offers the spec (data only: `mlstrata.targets.offers`)."""

from __future__ import annotations

from mlstrata.targets.offers import Offers

OFFERS = Offers(
    state_backends=("s3",),
    serving_engines=("kserve", "sagemaker"),
    online_stores=("dynamodb", "redis"),
    orchestrators=("kubeflow", "argo", "airflow", "sagemaker"),
    autoscalers=("cluster-autoscaler", "karpenter", "none"),
)
