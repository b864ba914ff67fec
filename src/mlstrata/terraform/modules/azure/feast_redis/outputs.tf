output "redis_hostname" {
  description = "Host name of the cache, <name>.<region>.redis.azure.net (resolves to the private endpoint inside the VNet)."
  value       = azurerm_managed_redis.this.hostname
}

output "redis_port" {
  description = "TLS port of the cache's database (10000 on Azure Managed Redis)."
  value       = azurerm_managed_redis.this.default_database[0].port
}

output "redis_cache_id" {
  description = "Resource id of the cache."
  value       = azurerm_managed_redis.this.id
}
