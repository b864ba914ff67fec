variable "project_id" {
  description = "Project of the topics."
  type        = string
}

variable "name" {
  description = "Topic and subscription name."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][-a-zA-Z0-9_.~+%]{2,200}$", var.name))
    error_message = "name must be a valid Pub/Sub name (3-200 characters, starting with a letter)."
  }
}

variable "message_retention_seconds" {
  description = "How long messages are kept (600 s to 31 days)."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 600 && var.message_retention_seconds <= 2678400
    error_message = "message_retention_seconds must be between 600 and 2678400."
  }
}

variable "ack_deadline_seconds" {
  description = "Seconds a worker has to acknowledge a message before it is redelivered (10-600)."
  type        = number
  default     = 300

  validation {
    condition     = var.ack_deadline_seconds >= 10 && var.ack_deadline_seconds <= 600
    error_message = "ack_deadline_seconds must be between 10 and 600."
  }
}

variable "max_delivery_attempts" {
  description = "Deliveries before a message goes to the dead-letter topic (5-100)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100."
  }
}

variable "labels" {
  description = "Labels on topics and subscriptions."
  type        = map(string)
  default     = {}
}
