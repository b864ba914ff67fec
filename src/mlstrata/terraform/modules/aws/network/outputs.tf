output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "private_subnet_ids" {
  description = "Private subnet IDs, in the order of the chosen zones."
  value       = [for az in local.azs : aws_subnet.private[az].id]
}

output "public_subnet_ids" {
  description = "Public subnet IDs, in the order of the chosen zones."
  value       = [for az in local.azs : aws_subnet.public[az].id]
}

output "private_subnet_ids_by_az" {
  description = "Private subnet ID per availability zone (e.g. to pin a capacity-block node pool to its AZ)."
  value       = { for az in local.azs : az => aws_subnet.private[az].id }
}

output "private_subnet_ids_by_zone_id" {
  description = "Private subnet ID per zone ID (e.g. use1-az4), to pin a node pool to a zone whatever the account's zone names."
  value       = { for i, az in local.azs : local.zone_ids[i] => aws_subnet.private[az].id }
}

output "availability_zones" {
  description = "The chosen zone names, in order."
  value       = local.azs
}
