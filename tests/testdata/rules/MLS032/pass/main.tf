variable "name" {
  type = string
}

resource "aws_iam_role" "cluster" {
  name_prefix        = "${substr(var.name, 0, 29)}-cluster-"
  assume_role_policy = "{}"
}

# Nothing bounds var.name here: the rule stays silent rather than guess.
resource "aws_iam_role" "unbounded" {
  name_prefix        = "${var.name}-x-"
  assume_role_policy = "{}"
}

# Policies allow 102 characters.
resource "aws_iam_policy" "long" {
  name_prefix = "a-policy-prefix-longer-than-thirty-eight-characters-"
  policy      = "{}"
}
