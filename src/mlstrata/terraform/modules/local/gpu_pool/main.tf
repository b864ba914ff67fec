# Planning a pool whose min exceeds the GPUs on this host fails, saying what was found.
resource "mlstrata_gpu_pool" "this" {
  name           = var.name
  min            = var.min
  max            = var.max
  desired        = var.desired
  instance_types = var.instance_types
  labels         = var.labels
  taints         = var.taints
  capacity       = var.capacity
}
