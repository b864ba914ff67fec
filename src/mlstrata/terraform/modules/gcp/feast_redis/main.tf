# Feast's online store on GCP: Memorystore for Redis on the VPC's private services access range (the
# same peering Cloud SQL uses), encrypted at rest with the platform's Cloud KMS key and in transit with
# TLS, and AUTH on. Feast's redis online store connects with `host:port,ssl=true,password=<AUTH>`.
# https://cloud.google.com/memorystore/docs/redis/cmek
# https://cloud.google.com/memorystore/docs/redis/about-in-transit-encryption
resource "google_redis_instance" "this" {
  project        = var.project_id
  name           = var.name
  region         = var.region
  display_name   = "Feast online store ${var.name}"
  tier           = var.protect ? "STANDARD_HA" : "BASIC"
  memory_size_gb = var.memory_size_gb
  redis_version  = "REDIS_7_2"

  authorized_network = var.network_id
  connect_mode       = "PRIVATE_SERVICE_ACCESS"

  auth_enabled            = true
  transit_encryption_mode = "SERVER_AUTHENTICATION"
  customer_managed_key    = var.kms_key_id

  # Protected environments keep a replica in another zone and fail over to it: that is what STANDARD_HA is.
  # Read replicas (read_replicas_mode, replica_count) are a read-scaling option on top, only for instances of
  # 5 GB or more (https://cloud.google.com/memorystore/docs/redis/read-replicas, "Caveats and limitations"),
  # and can never be turned off again: on a smaller instance the API refuses the create.
  read_replicas_mode = var.protect && var.memory_size_gb >= 5 ? "READ_REPLICAS_ENABLED" : null
  replica_count      = var.protect && var.memory_size_gb >= 5 ? 1 : null

  labels = var.labels
}
