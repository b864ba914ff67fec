variable "name" {
  description = "Queue name."
  type        = string
}

variable "dead_letter" {
  description = "Add a dead-letter queue."
  type        = bool
  default     = true
}

resource "aws_sqs_queue" "this" {
  name = var.name
}

resource "aws_sqs_queue" "dead_letter" {
  count = var.dead_letter ? 1 : 0
  name  = "${var.name}-dlq"
}
