variable "v00" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v01" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v02" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v03" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v04" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v05" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v06" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v07" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v08" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v09" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v10" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v11" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v12" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v13" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v14" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v15" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v16" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v17" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v18" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v19" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v20" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v21" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v22" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v23" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v24" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v25" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v26" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v27" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v28" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v29" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v30" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v31" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v32" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v33" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v34" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v35" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v36" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v37" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v38" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v39" {
  description = "Setting."
  type        = bool
  default     = false
}

variable "v40" {
  description = "Setting."
  type        = bool
  default     = false
}
