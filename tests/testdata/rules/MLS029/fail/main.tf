variable "region" {
  type    = string
  default = "us-west-1"
}

resource "aws_subnet" "a" {
  vpc_id            = "vpc-0123"
  cidr_block        = "10.0.0.0/20"
  availability_zone = "${var.region}a" # MLS029
}

resource "aws_subnet" "c" {
  vpc_id            = "vpc-0123"
  cidr_block        = "10.0.16.0/20"
  availability_zone = "us-west-1c" # MLS029
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
  azs    = ["ap-northeast-1a", "ap-northeast-1b"] # MLS029
}
