"""What the azure target offers the spec (data only: `mlstrata.targets.offers`)."""

from __future__ import annotations

from mlstrata.targets.offers import CiSignIn, Offers

OFFERS = Offers(
    state_backends=("azurerm",),
    serving_engines=("kserve",),
    online_stores=("redis",),
    orchestrators=("kubeflow", "argo", "airflow"),
    autoscalers=("cluster-autoscaler", "none"),
    ci_sign_in=CiSignIn(
        "azure", "tenant_id",
        missing_hint="Add `azure: {tenant_id: <Entra tenant id>}`: CI signs in to that tenant by OIDC.",
    ),
)
