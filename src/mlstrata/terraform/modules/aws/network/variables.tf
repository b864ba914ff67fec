variable "name" {
  description = "Name of the VPC; prefix of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.name))
    error_message = "name must be lower-case letters, digits and hyphens, 1 to 63 characters."
  }
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC, /16 to /20 (e.g. \"10.20.0.0/16\")."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && try(tonumber(split("/", var.cidr)[1]) >= 16 && tonumber(split("/", var.cidr)[1]) <= 20, false)
    error_message = "cidr must be a valid IPv4 CIDR with a prefix length between /16 and /20 (smaller VPCs leave public subnets below the /28 AWS minimum)."
  }
}

variable "az_count" {
  description = "Number of availability zones to spread subnets over (2 to 6); chosen from the region's available zones."
  type        = number
  default     = 3

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6
    error_message = "az_count must be 2 to 6 (EKS needs subnets in at least two zones)."
  }
}

variable "include_zone_ids" {
  description = "Zone IDs (e.g. \"use1-az4\") that must be among the chosen zones, such as a capacity block's zone."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for z in var.include_zone_ids : can(regex("^[a-z]+[0-9]+-az[0-9]+$", z))])
    error_message = "include_zone_ids must be zone IDs such as use1-az4 (zone names differ between accounts)."
  }
}

variable "exclude_zone_ids" {
  description = "Zone IDs never used. Default: the zones where EKS cannot place a control plane (us-east-1 use1-az3, us-west-1 usw1-az2, ca-central-1 cac1-az3)."
  type        = list(string)
  default     = ["use1-az3", "usw1-az2", "cac1-az3"]
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper, one AZ is a single point of failure) instead of one per AZ."
  type        = bool
  default     = true
}

variable "flow_log_kms_key_arn" {
  description = "ARN of the KMS key encrypting the flow log group; its policy must allow logs.<region>.amazonaws.com."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.flow_log_kms_key_arn))
    error_message = "flow_log_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log group in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "flow_log_traffic_type" {
  description = "Traffic the VPC flow log records: REJECT (default), ACCEPT or ALL."
  type        = string
  default     = "REJECT"

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be ACCEPT, REJECT or ALL."
  }
}

variable "flow_log_aggregation_seconds" {
  description = "Flow log aggregation interval: 60 or 600 seconds."
  type        = number
  default     = 600

  validation {
    condition     = contains([60, 600], var.flow_log_aggregation_seconds)
    error_message = "flow_log_aggregation_seconds must be 60 or 600."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}

variable "private_subnet_tags" {
  description = "Extra tags on the private subnets only (e.g. karpenter.sh/discovery = <cluster>, which Karpenter selects subnets by)."
  type        = map(string)
  default     = {}
}
