variable "name" {
  type = string
}

locals {
  cluster = "research-platform-us-east-2-prod"
}

resource "aws_iam_role" "cluster" {
  name_prefix        = "${substr(var.name, 0, 30)}-cluster-" # MLS032
  assume_role_policy = "{}"
}

resource "aws_iam_role" "nodes" {
  name_prefix        = "${local.cluster}-nodes-" # MLS032
  assume_role_policy = "{}"
}

resource "aws_iam_role" "literal" {
  name_prefix        = "a-very-long-literal-role-name-prefix-x-" # MLS032
  assume_role_policy = "{}"
}
