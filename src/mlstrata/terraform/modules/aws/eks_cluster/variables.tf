variable "name" {
  description = "Name of the EKS cluster."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$", var.name))
    error_message = "name must start with a letter or digit and hold only letters, digits, hyphens and underscores (max 100)."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane, e.g. \"1.33\"."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as \"1.33\"."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the cluster runs in; every subnet in subnet_ids must belong to it."
  type        = string

  validation {
    condition     = startswith(var.vpc_id, "vpc-")
    error_message = "vpc_id must be a VPC ID (vpc-...)."
  }
}

variable "subnet_ids" {
  description = "Private subnet IDs for the control-plane network interfaces, in at least two AZs."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : startswith(s, "subnet-")])
    error_message = "subnet_ids must hold at least two subnet IDs (subnet-...)."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for secrets envelope encryption and the control-plane log group (its policy must allow logs.<region>.amazonaws.com)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API endpoint publicly (restricted to public_access_cidrs). The private endpoint is always on."
  type        = bool
  default     = false
}

variable "public_access_cidrs" {
  description = "CIDR blocks allowed to reach the public endpoint; required when endpoint_public_access is true."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.public_access_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "public_access_cidrs must be valid CIDR blocks and must not contain 0.0.0.0/0."
  }

  validation {
    condition     = !var.endpoint_public_access || length(var.public_access_cidrs) > 0
    error_message = "public_access_cidrs must not be empty when endpoint_public_access is true (an empty list would open the endpoint to 0.0.0.0/0)."
  }
}

variable "admin_principal_arns" {
  description = "IAM role/user ARNs given cluster-admin through EKS access entries. Must be known at plan time."
  type        = list(string)

  validation {
    condition     = length(var.admin_principal_arns) > 0
    error_message = "admin_principal_arns must not be empty: the cluster creator gets no implicit access, so nobody could administer the cluster."
  }

  validation {
    condition     = alltrue([for a in var.admin_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", a))])
    error_message = "admin_principal_arns must be IAM role or user ARNs (use the role ARN, not an assumed-role session ARN)."
  }
}

variable "log_retention_days" {
  description = "Retention of the control-plane log group in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "protect" {
  description = "Turn on EKS deletion protection and log-group deletion protection (cloud-side, see README)."
  type        = bool
}

variable "support_type" {
  description = "EKS version support policy: STANDARD (auto-upgrade at end of standard support) or EXTENDED (billed extra)."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "EXTENDED"], var.support_type)
    error_message = "support_type must be STANDARD or EXTENDED."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}

variable "api_access_cidrs" {
  description = "CIDR blocks admitted to the private API endpoint on 443 (the VPC, CI runner networks); the cluster security group admits only itself otherwise."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.api_access_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "api_access_cidrs must be valid CIDR blocks other than 0.0.0.0/0."
  }
}

variable "system_instance_types" {
  description = "Instance types of the untainted system node group (CoreDNS, add-on controllers, autoscaler, monitoring)."
  type        = list(string)
  default     = ["m7i.large", "m6i.large"]

  validation {
    condition     = length(var.system_instance_types) > 0
    error_message = "system_instance_types must not be empty."
  }
}

variable "system_ami_type" {
  description = "AMI type of the system node group (AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD, BOTTLEROCKET_x86_64, BOTTLEROCKET_ARM_64)."
  type        = string
  default     = "AL2023_x86_64_STANDARD"

  validation {
    condition     = contains(["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64"], var.system_ami_type)
    error_message = "system_ami_type must be AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD, BOTTLEROCKET_x86_64 or BOTTLEROCKET_ARM_64."
  }
}

variable "system_min_size" {
  description = "Minimum (and initial) size of the system node group; 2 keeps CoreDNS's two replicas on different nodes."
  type        = number
  default     = 2

  validation {
    condition     = var.system_min_size >= 1 && floor(var.system_min_size) == var.system_min_size
    error_message = "system_min_size must be a whole number >= 1: something must run CoreDNS."
  }
}

variable "system_max_size" {
  description = "Maximum size of the system node group."
  type        = number
  default     = 4

  validation {
    condition     = var.system_max_size >= var.system_min_size
    error_message = "system_max_size must be >= system_min_size."
  }
}

variable "cluster_autoscaler" {
  description = "Create the IAM role and EKS Pod Identity association for cluster-autoscaler (kube-system/cluster-autoscaler)."
  type        = bool
  default     = true
}
