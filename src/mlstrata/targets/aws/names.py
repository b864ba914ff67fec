"""Names of AWS objects the target creates: the render uses them, the checks measure them."""

from __future__ import annotations

from mlstrata.spec.models import Platform


def name(platform: Platform, env: str) -> str:
    return f"{platform.platform}-{env}"


def bucket(platform: Platform, env: str, suffix: str, account: str | None) -> str:
    """Bucket names are global across all AWS customers: the account id makes ours unclaimable by others
    (BucketAlreadyExists). https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"""
    return f"{platform.platform}-{env}-{suffix}-{account}" if account else f"{platform.platform}-{env}-{suffix}"


def sagemaker_endpoint(platform: Platform, env: str, endpoint_class: str) -> str:
    """SageMaker endpoint names: at most 63 characters, letters, digits and hyphens
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html#sagemaker-CreateEndpoint-request-EndpointName)."""
    return f"{platform.platform}-{env}-{endpoint_class}"
