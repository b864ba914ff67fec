variable "name" {
  description = "Prefix of every resource name (<platform>-<env>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,20}$", var.name))
    error_message = "name must start with a letter and be lower-case letters, digits and hyphens, 1 to 21 characters (the Container Apps job name adds -ci-runner within 32)."
  }
}

variable "location" {
  description = "Azure region: the environment's, so the runner is a same-region client of its private endpoints."
  type        = string
}

variable "cidr" {
  description = "IPv4 address space of the runner VNet, /24 to /27; it must not overlap the environment's VNet, which peers with it."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && try(tonumber(split("/", var.cidr)[1]) >= 24 && tonumber(split("/", var.cidr)[1]) <= 27, false)
    error_message = "cidr must be a valid IPv4 CIDR with a prefix length between /24 and /27 (a Container Apps environment with workload profiles needs a /27 subnet at least)."
  }
}

variable "key_vault_name" {
  description = "Name of the vault holding the runner's registration token (3-24 characters, globally unique)."
  type        = string
}

variable "tenant_id" {
  description = "Entra tenant of the vault."
  type        = string
}

variable "deployer_object_id" {
  description = "Object id of the identity running Terraform: it writes the registration token."
  type        = string
}

variable "allowed_ip_ranges" {
  description = "Public CIDRs of the hosted CI runners that apply this root (they write the token to the vault)."
  type        = list(string)
  default     = []
}

variable "ci_engine" {
  description = "Which CI the runner serves: github (scaled by KEDA's github-runner scaler on queued jobs) or gitlab (an execution every minute polls for one tagged job)."
  type        = string

  validation {
    condition     = contains(["github", "gitlab"], var.ci_engine)
    error_message = "ci_engine must be github or gitlab."
  }
}

variable "runner_label" {
  description = "The label (GitHub) or tag (GitLab) the environment's jobs select the runner by."
  type        = string
}

variable "runner_image" {
  description = "Container image of the runner (see README: what it must contain and do)."
  type        = string
}

variable "registry_server" {
  description = "Registry host the runner image is pulled from with the runner identity (AcrPull granted outside this module); null for a public image."
  type        = string
  default     = null
}

variable "github_owner" {
  description = "GitHub owner (user or organisation) of the repository (ci_engine github)."
  type        = string
  default     = ""
}

variable "github_repository" {
  description = "GitHub repository name, without the owner (ci_engine github)."
  type        = string
  default     = ""
}

variable "gitlab_url" {
  description = "GitLab instance URL (ci_engine gitlab)."
  type        = string
  default     = "https://gitlab.com"
}

variable "max_runners" {
  description = "Most runner executions at once."
  type        = number
  default     = 4
}

variable "poll_schedule" {
  description = "GitLab: when an execution starts to poll for one pending job (5-field cron, UTC). Every minute keeps one runner container running all the time."
  type        = string
  default     = "* * * * *"

  validation {
    condition     = length(split(" ", var.poll_schedule)) == 5
    error_message = "poll_schedule is a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. \"* 7-19 * * 1-5\"."
  }
}

variable "registration_token" {
  description = "GitHub: a token that may register repository runners (fine-grained PAT with Administration read/write, or a GitHub App's). GitLab: the runner authentication token (glrt-...). Ephemeral: written once to Key Vault, never kept in plan or state."
  type        = string
  sensitive   = true
  ephemeral   = true
  nullable    = false
}

variable "registration_token_version" {
  description = "Bump to write a new registration_token (write-only arguments are only sent when their version changes)."
  type        = number
  default     = 1
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}
