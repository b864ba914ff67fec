variable "name" {
  description = "Prefix of the model package group names; each stage gets \"<name>-<stage>\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9](-*[a-z0-9])*$", var.name)) && length(var.name) <= 40
    error_message = "name must be lower-case letters, digits and hyphens, start and end with a letter or digit, max 40 characters (SageMaker ARNs are lower-case)."
  }
}

variable "stages" {
  description = "Promotion stages in order, e.g. [\"candidate\", \"staging\", \"production\"]."
  type        = list(string)

  validation {
    condition     = length(var.stages) > 0 && length(distinct(var.stages)) == length(var.stages)
    error_message = "stages must hold at least one stage and no duplicates."
  }

  validation {
    condition     = alltrue([for s in var.stages : can(regex("^[a-z0-9](-*[a-z0-9])*$", s)) && length(s) <= 22])
    error_message = "Each stage must be lower-case letters, digits and hyphens, start and end with a letter or digit, max 22 characters (group names are limited to 63)."
  }
}

variable "promoter_principal_arns_by_stage" {
  description = "Per stage, the IAM role/user ARNs allowed to create or update model versions in it. A stage without an entry gets no resource-side restriction."
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for arns in values(var.promoter_principal_arns_by_stage) : alltrue([for a in arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", a))])])
    error_message = "promoter_principal_arns_by_stage values must be lists of IAM role or user ARNs."
  }

  validation {
    condition     = alltrue([for stage in keys(var.promoter_principal_arns_by_stage) : contains(var.stages, stage)])
    error_message = "Every key of promoter_principal_arns_by_stage must be one of stages."
  }
}

variable "reader_principal_arns" {
  description = "IAM role/user ARNs allowed to describe and list model versions in every stage."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.reader_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", a))])
    error_message = "reader_principal_arns must be IAM role or user ARNs."
  }
}

variable "protect" {
  description = "Deny deletion of the groups, their model versions and their resource policies to everyone (cloud-side deletion protection)."
  type        = bool
}

variable "tags" {
  description = "Tags applied to every model package group."
  type        = map(string)
  default     = {}
}
