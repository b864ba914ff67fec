data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_subnet" "a" {
  vpc_id            = "vpc-0123"
  cidr_block        = "10.0.0.0/20"
  availability_zone = data.aws_availability_zones.available.names[0]
}

# Pinned by zone ID, the same physical zone in every account.
resource "aws_subnet" "block" {
  vpc_id               = "vpc-0123"
  cidr_block           = "10.0.16.0/20"
  availability_zone_id = "usw2-az4"
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
  azs    = slice(data.aws_availability_zones.available.names, 0, 3)
  name   = "us-west-1a-lookalike-is-just-a-name"
}
