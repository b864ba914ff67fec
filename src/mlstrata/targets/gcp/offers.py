"""What the gcp target offers the spec (data only: `mlstrata.targets.offers`)."""

from __future__ import annotations

import re

from mlstrata.targets.offers import CiSignIn, Offers

# https://github.com/google-github-actions/auth#inputs: the provider's full resource name, with the project NUMBER
WIF_PROVIDER = re.compile(
    r"^projects/\d+/locations/global/workloadIdentityPools/[a-z0-9-]{4,32}/providers/[a-z0-9-]{4,32}$")

OFFERS = Offers(
    state_backends=("gcs",),
    serving_engines=("kserve",),
    online_stores=("redis",),
    orchestrators=("kubeflow", "argo", "airflow"),
    autoscalers=("cluster-autoscaler", "none"),
    tpu_pools=True,
    ci_sign_in=CiSignIn(
        "gcp", "workload_identity_provider",
        missing_hint="Add `gcp: {workload_identity_provider: projects/<number>/locations/global/"
        "workloadIdentityPools/<pool>/providers/<provider>}`: CI exchanges its OIDC token there for the service "
        "account.",
        pattern=WIF_PROVIDER, what="a Workload Identity Federation provider name",
        hint="Use projects/<project NUMBER>/locations/global/workloadIdentityPools/<pool>/providers/<provider> "
        "(`gcloud iam workload-identity-pools providers describe ... --format='value(name)'`).",
    ),
)
