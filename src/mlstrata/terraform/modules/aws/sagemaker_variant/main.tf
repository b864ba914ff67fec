# A SageMaker endpoint whose production variant names its model: real-time, serverless or asynchronous.
# Such a configuration must name the model version (production_variants.model_name), and that is the
# release layer's: CI/CD creates the model, the endpoint configuration (from `endpoint_config` below) and
# the endpoint under `var.name`. Terraform owns what outlives a release: the execution role, the
# asynchronous output location and notification topics, and the variant's Application Auto Scaling bounds
# and policy. See README.md for why, with citations.

locals {
  scaled = var.kind != "serverless"
  # Application Auto Scaling registers a variant of a deployed endpoint only ("Before you can use
  # autoscaling, you must have already deployed a model to a SageMaker AI endpoint"): the scaling target
  # is created on the first apply after the release has created the endpoint, found by its tag.
  # https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-autoscale.html
  released  = local.scaled && length(try(data.aws_resourcegroupstaggingapi_resources.endpoint[0].resource_tag_mapping_list, [])) > 0
  resource  = "endpoint/${var.name}/variant/${var.variant_name}"
  topics    = var.kind == "async" && var.notifications ? toset(["success", "error"]) : toset([])
  output_s3 = var.output_bucket_arn == null ? "" : "s3://${element(split(":::", coalesce(var.output_bucket_arn, ":::")), 1)}/serving/${var.name}"
}

module "role" {
  source = "../sagemaker_execution_role"

  name                     = var.name
  registry_bucket_arns     = var.registry_bucket_arns
  kms_key_arns             = var.kms_key_arns
  model_package_group_arns = var.model_package_group_arns
  volume_kms_key_arn       = var.kind == "serverless" ? null : var.kms_key_arn
  output_s3_prefix_arn     = var.kind == "async" ? "${var.output_bucket_arn}/serving/${var.name}" : null
  output_kms_key_arn       = var.kind == "async" ? var.output_kms_key_arn : null
  notification_topic_arns  = [for t in aws_sns_topic.this : t.arn]
  notification_kms_key_arn = length(local.topics) > 0 ? var.topic_kms_key_arn : null
  tags                     = var.tags
}

# Asynchronous inference reports each result or failure to these topics; encrypted with the platform key.
# https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-check-predictions.html
resource "aws_sns_topic" "this" {
  for_each = local.topics

  name              = "${var.name}-${each.key}"
  kms_master_key_id = var.topic_kms_key_arn
  tags              = var.tags
}

# The endpoint the release created, if it exists yet: the release tags it `mlstrata:endpoint = <name>`.
data "aws_resourcegroupstaggingapi_resources" "endpoint" {
  count = local.scaled ? 1 : 0

  resource_type_filters = ["sagemaker:endpoint"]

  tag_filter {
    key    = "mlstrata:endpoint"
    values = [var.name]
  }
}

# Terraform owns the bounds; Application Auto Scaling owns the live instance count. No Terraform resource
# holds that count (the endpoint is the release's), so no apply resets it; a release's UpdateEndpoint should
# pass RetainAllVariantProperties, which aws_sagemaker_endpoint cannot
# (hashicorp/terraform-provider-aws#48990).
resource "aws_appautoscaling_target" "this" {
  count = local.released ? 1 : 0

  service_namespace  = "sagemaker"
  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"
  resource_id        = local.resource
  min_capacity       = var.min_instances
  max_capacity       = var.max_instances
  tags               = var.tags

  lifecycle {
    precondition {
      condition     = var.min_instances <= var.max_instances
      error_message = "min_instances (${var.min_instances}) is above max_instances (${var.max_instances})."
    }

    # Only asynchronous endpoints scale to zero instances; a real-time variant keeps at least one.
    # https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-autoscale.html
    precondition {
      condition     = var.kind == "async" || var.min_instances >= 1
      error_message = "A real-time variant keeps at least one instance: min_instances must be >= 1."
    }
  }
}

# Target tracking on the class's signal:
# - concurrency (real-time): in-flight requests per instance, the high-resolution predefined metric;
# - gpu/cpu utilisation (real-time): /aws/sagemaker/Endpoints GPUUtilization or CPUUtilization, which are
#   summed over an instance's GPUs or vCPUs (0-100 each), so the target is percent x units;
# - backlog (asynchronous): ApproximateBacklogSizePerInstance.
# https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
resource "aws_appautoscaling_policy" "target" {
  count = local.released ? 1 : 0

  name               = "${var.name}-${var.scaling_metric}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[0].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.scaling_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    dynamic "predefined_metric_specification" {
      for_each = var.scaling_metric == "concurrency" ? [1] : []

      content {
        predefined_metric_type = "SageMakerVariantConcurrentRequestsPerModelHighResolution"
      }
    }

    dynamic "customized_metric_specification" {
      for_each = var.scaling_metric == "concurrency" ? [] : [1]

      content {
        metric_name = local.custom_metric[var.scaling_metric].name
        namespace   = local.custom_metric[var.scaling_metric].namespace
        statistic   = "Average"

        dimensions {
          name  = "EndpointName"
          value = var.name
        }

        dynamic "dimensions" {
          for_each = var.scaling_metric == "backlog" ? [] : [1]

          content {
            name  = "VariantName"
            value = var.variant_name
          }
        }
      }
    }
  }
}

locals {
  custom_metric = {
    gpu_utilization = { name = "GPUUtilization", namespace = "/aws/sagemaker/Endpoints" }
    cpu_utilization = { name = "CPUUtilization", namespace = "/aws/sagemaker/Endpoints" }
    backlog         = { name = "ApproximateBacklogSizePerInstance", namespace = "AWS/SageMaker" }
  }
}

# An asynchronous endpoint at zero instances has no backlog per instance to track: this step policy adds
# an instance as soon as requests wait without capacity (HasBacklogWithoutCapacity).
# https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-autoscale.html
resource "aws_appautoscaling_policy" "from_zero" {
  count = local.released && var.kind == "async" && var.min_instances == 0 ? 1 : 0

  name               = "${var.name}-from-zero"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[0].resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 300
    metric_aggregation_type = "Average"

    step_adjustment {
      metric_interval_lower_bound = 0
      scaling_adjustment          = 1
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "from_zero" {
  count = length(aws_appautoscaling_policy.from_zero)

  alarm_name          = "${var.name}-backlog-without-capacity"
  alarm_description   = "Requests wait for ${var.name} with no instance running: add one."
  namespace           = "AWS/SageMaker"
  metric_name         = "HasBacklogWithoutCapacity"
  dimensions          = { EndpointName = var.name }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 2
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [aws_appautoscaling_policy.from_zero[0].arn]
  tags                = var.tags
}

# The endpoint configuration the release sends (CreateEndpointConfig, ModelName and EndpointConfigName
# added): Terraform owns its shape, the release its model. A real-time variant starts at min_instances.
# Optional fields are left out rather than sent as null (`{ for ... if v != null }`).
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html
locals {
  volume_key = { for k, v in { KmsKeyId = var.kms_key_arn } : k => v if v != null }
  instances = [merge(
    { VariantName = var.variant_name, InstanceType = var.instance_type, InitialInstanceCount = max(var.min_instances, 1) },
    { for k, v in { RoutingConfig = { RoutingStrategy = "LEAST_OUTSTANDING_REQUESTS" } } : k => v if var.kind == "real_time" },
  )]
  notification = {
    for k in(length(local.topics) > 0 ? ["NotificationConfig"] : []) : k => {
      SuccessTopic = try(aws_sns_topic.this["success"].arn, "")
      ErrorTopic   = try(aws_sns_topic.this["error"].arn, "")
    }
  }

  endpoint_config = {
    real_time = jsonencode(merge(local.volume_key, { ProductionVariants = local.instances }))
    serverless = jsonencode({
      ProductionVariants = [{
        VariantName = var.variant_name
        ServerlessConfig = { for k, v in {
          MemorySizeInMB         = var.memory_mb
          MaxConcurrency         = var.max_concurrency
          ProvisionedConcurrency = var.provisioned_concurrency
        } : k => v if v != null }
      }]
    })
    async = jsonencode(merge(local.volume_key, {
      ProductionVariants = local.instances
      AsyncInferenceConfig = {
        ClientConfig = { for k, v in { MaxConcurrentInvocationsPerInstance = var.max_concurrent_invocations } : k => v if v != null }
        OutputConfig = merge(
          { S3OutputPath = "${local.output_s3}/output", S3FailurePath = "${local.output_s3}/failure" },
          { for k, v in { KmsKeyId = var.output_kms_key_arn } : k => v if v != null },
          local.notification,
        )
      }
    }))
  }
}
