# Plans of the sagemaker_variant module against a mocked hashicorp/aws provider (no AWS account needed): the real
# provider's schema and argument validation run on every argument. The release layer creates the model, the
# endpoint configuration and the endpoint; this module owns the role, the async output, the topics and the
# variant's Application Auto Scaling.
mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111111111111:role/acme-ml-prod-ranker-sm-0001" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:111111111111:acme-ml-prod-ranker-topic" }
  }
  mock_resource "aws_appautoscaling_policy" {
    defaults = { arn = "arn:aws:autoscaling:us-east-1:111111111111:scalingPolicy:0000:resource/sagemaker/endpoint/acme-ml-prod-ranker/variant/AllTraffic:policyName/from-zero" }
  }
}

variables {
  name                 = "acme-ml-prod-ranker"
  kind                 = "real_time"
  instance_type        = "ml.g6e.xlarge"
  min_instances        = 1
  max_instances        = 4
  scaling_metric       = "concurrency"
  scaling_target       = 4
  registry_bucket_arns = ["arn:aws:s3:::acme-ml-prod-model-registry-111111111111"]
  kms_key_arn          = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
}

# Before the release: no endpoint carries the tag, so no scaling target is registered (Application Auto
# Scaling registers deployed variants only: "Before you can use autoscaling, you must have already deployed
# a model to a SageMaker AI endpoint", https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-autoscale.html).
# The first apply succeeds with the role alone.
run "first_apply_before_any_release" {
  command = plan

  override_data {
    target = data.aws_resourcegroupstaggingapi_resources.endpoint[0]
    values = { resource_tag_mapping_list = [] }
  }

  assert {
    condition     = length(aws_appautoscaling_target.this) == 0 && !output.autoscaling_registered
    error_message = "no scaling target may be planned before the release has created the endpoint"
  }

  assert {
    condition     = jsondecode(output.endpoint_config_json).ProductionVariants[0].InitialInstanceCount == 1
    error_message = "the release's endpoint configuration starts the variant at min_instances"
  }

  assert {
    condition     = jsondecode(output.endpoint_config_json).ProductionVariants[0].RoutingConfig.RoutingStrategy == "LEAST_OUTSTANDING_REQUESTS"
    error_message = "real-time variants route to the least busy instance"
  }
}

# After the release: the variant's DesiredInstanceCount is registered between the bounds, tracked on
# concurrent requests per instance.
# https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html (ResourceId
# endpoint/<endpoint>/variant/<variant>, ScalableDimension sagemaker:variant:DesiredInstanceCount)
run "after_the_release_real_time" {
  command = plan

  override_data {
    target = data.aws_resourcegroupstaggingapi_resources.endpoint[0]
    values = { resource_tag_mapping_list = [{ resource_arn = "arn:aws:sagemaker:us-east-1:111111111111:endpoint/acme-ml-prod-ranker", tags = { "mlstrata:endpoint" = "acme-ml-prod-ranker" }, compliance_details = [] }] }
  }

  assert {
    condition = (aws_appautoscaling_target.this[0].resource_id == "endpoint/acme-ml-prod-ranker/variant/AllTraffic"
      && aws_appautoscaling_target.this[0].scalable_dimension == "sagemaker:variant:DesiredInstanceCount"
    && aws_appautoscaling_target.this[0].min_capacity == 1 && aws_appautoscaling_target.this[0].max_capacity == 4)
    error_message = "the variant scales between the class's bounds"
  }

  assert {
    condition     = aws_appautoscaling_policy.target[0].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "SageMakerVariantConcurrentRequestsPerModelHighResolution"
    error_message = "target_concurrency tracks concurrent requests per instance"
  }

  assert {
    condition     = length(aws_appautoscaling_policy.from_zero) == 0 && length(aws_sns_topic.this) == 0
    error_message = "a real-time variant has no scale-from-zero policy and no topics"
  }
}

# Utilisation on a GPU instance: GPUUtilization is summed over the instance's GPUs, per the endpoint and variant.
# https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
run "gpu_utilisation" {
  command = plan

  variables {
    scaling_metric = "gpu_utilization"
    scaling_target = 280
  }

  override_data {
    target = data.aws_resourcegroupstaggingapi_resources.endpoint[0]
    values = { resource_tag_mapping_list = [{ resource_arn = "arn:aws:sagemaker:us-east-1:111111111111:endpoint/acme-ml-prod-ranker", tags = {}, compliance_details = [] }] }
  }

  assert {
    condition = (aws_appautoscaling_policy.target[0].target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metric_name == "GPUUtilization"
      && aws_appautoscaling_policy.target[0].target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].namespace == "/aws/sagemaker/Endpoints"
    && aws_appautoscaling_policy.target[0].target_tracking_scaling_policy_configuration[0].target_value == 280)
    error_message = "target_utilization tracks GPUUtilization of the variant"
  }
}

# A real-time variant keeps at least one instance: only asynchronous endpoints scale to zero.
run "real_time_cannot_scale_to_zero" {
  command = plan

  variables {
    min_instances = 0
  }

  override_data {
    target = data.aws_resourcegroupstaggingapi_resources.endpoint[0]
    values = { resource_tag_mapping_list = [{ resource_arn = "arn:aws:sagemaker:us-east-1:111111111111:endpoint/acme-ml-prod-ranker", tags = {}, compliance_details = [] }] }
  }

  expect_failures = [aws_appautoscaling_target.this]
}

# Asynchronous: results and failures under the endpoint's prefix of the artifact bucket, KMS-encrypted; SNS
# topics (encrypted) when asked; zero instances when idle, with the step policy that scales out from zero on
# HasBacklogWithoutCapacity (https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-autoscale.html).
run "async_scales_from_zero" {
  command = plan

  variables {
    kind               = "async"
    min_instances      = 0
    scaling_metric     = "backlog"
    scaling_target     = 5
    notifications      = true
    topic_kms_key_arn  = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
    output_bucket_arn  = "arn:aws:s3:::acme-ml-prod-artifacts-111111111111"
    output_kms_key_arn = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
  }

  override_resource {
    target          = aws_sns_topic.this
    override_during = plan
    values          = { arn = "arn:aws:sns:us-east-1:111111111111:acme-ml-prod-ranker-topic" }
  }

  override_data {
    target = data.aws_resourcegroupstaggingapi_resources.endpoint[0]
    values = { resource_tag_mapping_list = [{ resource_arn = "arn:aws:sagemaker:us-east-1:111111111111:endpoint/acme-ml-prod-ranker", tags = {}, compliance_details = [] }] }
  }

  assert {
    condition     = aws_appautoscaling_target.this[0].min_capacity == 0
    error_message = "an async variant may scale to zero"
  }

  assert {
    condition     = aws_appautoscaling_policy.target[0].target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metric_name == "ApproximateBacklogSizePerInstance"
    error_message = "an async variant tracks its backlog per instance"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.from_zero[0].metric_name == "HasBacklogWithoutCapacity" && length(aws_cloudwatch_metric_alarm.from_zero[0].alarm_actions) == 1
    error_message = "requests waiting without capacity add an instance"
  }

  assert {
    condition = (jsondecode(output.endpoint_config_json).AsyncInferenceConfig.OutputConfig.S3OutputPath == "s3://acme-ml-prod-artifacts-111111111111/serving/acme-ml-prod-ranker/output"
    && jsondecode(output.endpoint_config_json).AsyncInferenceConfig.OutputConfig.KmsKeyId == var.output_kms_key_arn)
    error_message = "async results go under the endpoint's prefix of the artifact bucket, encrypted"
  }

  assert {
    condition     = length(aws_sns_topic.this) == 2 && aws_sns_topic.this["error"].kms_master_key_id == var.topic_kms_key_arn
    error_message = "success and error topics exist and are encrypted"
  }
}

# Serverless: memory and concurrency, no instances and no scaling target (SageMaker scales on-demand
# serverless endpoints itself; DesiredInstanceCount does not apply).
# https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-autoscale.html
run "serverless" {
  command = plan

  variables {
    kind                    = "serverless"
    instance_type           = null
    scaling_metric          = null
    scaling_target          = null
    memory_mb               = 3072
    max_concurrency         = 20
    provisioned_concurrency = 2
  }

  assert {
    condition     = length(data.aws_resourcegroupstaggingapi_resources.endpoint) == 0 && length(aws_appautoscaling_target.this) == 0
    error_message = "a serverless variant registers no instance scaling"
  }

  assert {
    condition     = jsondecode(output.endpoint_config_json).ProductionVariants[0].ServerlessConfig == { MemorySizeInMB = 3072, MaxConcurrency = 20, ProvisionedConcurrency = 2 }
    error_message = "the serverless configuration carries memory and concurrency"
  }

  assert {
    condition     = !can(jsondecode(output.endpoint_config_json).KmsKeyId)
    error_message = "a serverless configuration has no volume key"
  }
}

# Serverless memory is 1024 to 6144 MB in 1 GB steps.
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantServerlessConfig.html
run "serverless_memory_steps" {
  command = plan

  variables {
    kind            = "serverless"
    instance_type   = null
    memory_mb       = 1500
    max_concurrency = 201
  }

  expect_failures = [var.memory_mb, var.max_concurrency]
}
