variable "classes" {
  type    = any
  default = {}
}
