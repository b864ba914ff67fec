variable "protect" {
  description = "Deletion protection."
  type        = bool
  default     = false
}

resource "aws_db_instance" "this" {
  identifier          = "metadata"
  deletion_protection = var.protect
}
