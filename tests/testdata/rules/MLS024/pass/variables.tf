variable "name" {
  description = "Name of the pool."
  type        = string
}
