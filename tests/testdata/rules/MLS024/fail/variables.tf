variable "name" { # MLS024
  type = string
}

variable "size" { # MLS024
  description = "Disk size in GiB."
}

variable "tags" { # MLS024
}

variable "empty_description" { # MLS024
  description = ""
  type        = string
}
