output "gpu_pool_gpu_count" {
  description = "GPUs found on this host."
  value       = mlstrata_gpu_pool.this.gpu_count
}

output "gpu_pool_gpu_model" {
  description = "GPU model found on this host."
  value       = mlstrata_gpu_pool.this.gpu_model
}
