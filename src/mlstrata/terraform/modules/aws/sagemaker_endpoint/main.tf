# A SageMaker real-time endpoint whose models are inference components: Terraform owns the endpoint, its
# instance type and its instance bounds; the release layer (CI/CD) adds the model version as an inference
# component (CreateInferenceComponent names this endpoint and variant) and scales its copies. No release
# changes this configuration, so no release makes Terraform update the endpoint.
# https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-deploy-models.html

# The execution role (shared with the other endpoint kinds: ../sagemaker_execution_role).
module "role" {
  source = "../sagemaker_execution_role"

  name                     = var.name
  registry_bucket_arns     = var.registry_bucket_arns
  kms_key_arns             = var.kms_key_arns
  model_package_group_arns = var.model_package_group_arns
  volume_kms_key_arn       = var.kms_key_arn
  tags                     = var.tags
}

# The role lived in this module before it was shared: its state moves, nothing is replaced.
moved {
  from = aws_iam_role.this
  to   = module.role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.this
  to   = module.role.aws_iam_role_policy.this
}

# Inference-component endpoints name no model here and carry the execution role themselves.
# managed_instance_scaling keeps min..max instances (min 0 lets an idle endpoint release them all);
# the live instance count is SageMaker's, never Terraform's. A change here is a new configuration
# and an UpdateEndpoint, which resets the instance count to initial_instance_count: the provider
# cannot retain it yet (hashicorp/terraform-provider-aws#48990), so initial_instance_count is the
# floor that keeps the endpoint serving through such an update.
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantManagedInstanceScaling.html
resource "aws_sagemaker_endpoint_configuration" "this" {
  name_prefix        = "${substr(var.name, 0, 36)}-"
  execution_role_arn = module.role.role_arn
  # Instance types with local NVMe storage reject a KMS key (CreateEndpointConfig KmsKeyId); their
  # instance store is encrypted by the hardware. https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html#sagemaker-CreateEndpointConfig-request-KmsKeyId
  kms_key_arn = var.kms_key_arn

  production_variants {
    variant_name           = var.variant_name
    instance_type          = var.instance_type
    initial_instance_count = max(var.min_instances, 1)

    managed_instance_scaling {
      status             = "ENABLED"
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    routing_config {
      routing_strategy = "LEAST_OUTSTANDING_REQUESTS"
    }
  }

  tags = var.tags

  # An endpoint configuration cannot be changed and is in use by the endpoint: the new one is created
  # first, the endpoint moves to it, then the old one is deleted.
  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = var.min_instances <= var.max_instances
      error_message = "min_instances (${var.min_instances}) is above max_instances (${var.max_instances})."
    }
  }
}

resource "aws_sagemaker_endpoint" "this" {
  name                 = var.name
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name
  tags                 = var.tags
}
