variable "name" {
  description = "Feature store name (its folder under the platform root)."
  type        = string
}

variable "project" {
  description = "Feast project name (letters, digits, '_')."
  type        = string
}

variable "online_store" {
  description = "Feast online store type: sqlite (the provider rejects others)."
  type        = string
  default     = "sqlite"
}

variable "offline_store" {
  description = "Feast offline store type: file, Parquet (the provider rejects others)."
  type        = string
  default     = "file"
}
