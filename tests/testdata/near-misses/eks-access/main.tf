# Modelled on EKS modules and blueprints: aws-auth role maps and access entries.

variable "auth" {
  description = "IAM roles mapped into the cluster (aws-auth)."
  type = map(object({
    rolearn = string
    auth    = string
  }))
  default = {
    admins = {
      rolearn = "arn:aws:iam::111122223333:role/platform-admin"
      auth    = "system:masters"
    }
    nodes = {
      rolearn = "arn:aws:iam::111122223333:role/gpu-nodes"
      auth    = "system:bootstrappers"
    }
  }
}

variable "authentication_mode" {
  description = "EKS authentication mode."
  type        = string
  default     = "API_AND_CONFIG_MAP"
}

locals {
  aws_auth_roles = [
    {
      rolearn  = "arn:aws:iam::111122223333:role/gpu-nodes"
      username = "system:node:{{EC2PrivateDNSName}}"
      groups   = ["system:bootstrappers", "system:nodes"]
    },
  ]
  basic_auth_enabled = false
  oidc_token_audience = "sts.amazonaws.com"
  service_account_token_path = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
  deploy_key = "AKIAZ7QH4XNV2KD8TQ3M" # MLS018
}

resource "aws_eks_access_entry" "admin" {
  cluster_name  = "gpu"
  principal_arn = "arn:aws:iam::111122223333:role/platform-admin"
}
