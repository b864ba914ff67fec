output "redis_hostname" {
  description = "Host name of the cache (resolves to the private endpoint inside the VNet)."
  value       = azurerm_redis_cache.this.hostname
}

output "redis_ssl_port" {
  description = "TLS port of the cache."
  value       = azurerm_redis_cache.this.ssl_port
}

output "redis_cache_id" {
  description = "Resource id of the cache."
  value       = azurerm_redis_cache.this.id
}
