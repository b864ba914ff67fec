"""What the local target offers the spec (data only: `mlstrata.targets.offers`)."""

from __future__ import annotations

from mlstrata.targets.offers import Offers

OFFERS = Offers(
    state_backends=("local", "pg"),
    serving_engines=("local",),
    online_stores=("sqlite",),
    orchestrators=None,  # pipelines run on the machine itself: no orchestrator is rendered
    autoscalers=("cluster-autoscaler", "none"),
)
