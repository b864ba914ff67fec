output "feature_store_repo_path" {
  description = "The Feast repository: feature definitions go here, `feast apply` runs here."
  value       = mlstrata_feature_store.this.repo_path
}

output "feature_store_project" {
  description = "Feast project name."
  value       = mlstrata_feature_store.this.project
}

output "feature_store_online_store_path" {
  description = "SQLite online store file."
  value       = mlstrata_feature_store.this.online_store_path
}

output "feature_store_offline_store_path" {
  description = "Folder for the offline store's Parquet files."
  value       = mlstrata_feature_store.this.offline_store_path
}
