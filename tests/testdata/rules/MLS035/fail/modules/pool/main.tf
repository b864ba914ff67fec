variable "kms_key_arn" {
  type = string
}

resource "aws_launch_template" "this" {
  name_prefix = "gpu-"

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      encrypted  = true
      kms_key_id = var.kms_key_arn
    }
  }
}
