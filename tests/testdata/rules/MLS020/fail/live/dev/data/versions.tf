terraform {
  required_version = ">= 1.10"
  backend "local" {} # MLS020
}
