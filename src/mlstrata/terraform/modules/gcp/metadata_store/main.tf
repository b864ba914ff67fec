# The password never enters Terraform state or plan files: an ephemeral random password is written
# only through write-only arguments, once per password_version, to Secret Manager and to the
# database user. Readers (pipelines, MLflow) fetch it from Secret Manager at run time.
ephemeral "random_password" "this" {
  length  = 32
  special = false
}

resource "google_secret_manager_secret" "this" {
  project   = var.project_id
  secret_id = "${var.name}-password"
  labels    = var.labels

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }
}

resource "google_secret_manager_secret_version" "this" {
  secret                 = google_secret_manager_secret.this.id
  secret_data_wo         = ephemeral.random_password.this.result
  secret_data_wo_version = var.password_version
}

resource "google_sql_database_instance" "this" {
  project             = var.project_id
  name                = var.name
  region              = var.region
  database_version    = var.database_version
  deletion_protection = var.protect

  settings {
    tier              = var.tier
    edition           = "ENTERPRISE"
    availability_type = var.protect ? "REGIONAL" : "ZONAL"
    disk_type         = "PD_SSD"
    disk_size         = var.disk_size_gb
    disk_autoresize   = true
    user_labels       = var.labels
    # Cloud-side deletion protection, on top of Terraform's deletion_protection.
    deletion_protection_enabled = var.protect

    # Private IP only, inside the platform VPC through private services access.
    ip_configuration {
      ipv4_enabled                                  = false
      private_network                               = var.network_id
      enable_private_path_for_google_cloud_services = true
      # TLS always; by default clients also present a Cloud SQL client certificate, which the Cloud SQL Auth Proxy
      # and the connectors do. A client that connects to the private IP with a password over TLS only (Argo's
      # workflow archive: its PostgreSQL settings have ssl and sslMode, no client certificate) needs ENCRYPTED_ONLY.
      ssl_mode = var.ssl_mode
    }

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
      start_time                     = "03:00"
      transaction_log_retention_days = 7

      backup_retention_settings {
        retained_backups = var.backup_retention_days
        retention_unit   = "COUNT"
      }
    }

    insights_config {
      query_insights_enabled = true
    }

    # Logging flags recommended by the CIS GCP benchmark for PostgreSQL.
    database_flags {
      name  = "log_checkpoints"
      value = "on"
    }

    database_flags {
      name  = "log_connections"
      value = "on"
    }

    database_flags {
      name  = "log_disconnections"
      value = "on"
    }

    database_flags {
      name  = "log_duration"
      value = "on"
    }

    database_flags {
      name  = "log_hostname"
      value = "on"
    }

    database_flags {
      name  = "log_lock_waits"
      value = "on"
    }

    database_flags {
      name  = "log_min_messages"
      value = "error"
    }

    database_flags {
      name  = "log_min_error_statement"
      value = "error"
    }

    database_flags {
      name  = "log_min_duration_statement"
      value = "-1"
    }

    database_flags {
      name  = "log_statement"
      value = "ddl"
    }

    database_flags {
      name  = "cloudsql.enable_pgaudit"
      value = "on"
    }
  }
}

resource "google_sql_database" "this" {
  project  = var.project_id
  name     = var.database_name
  instance = google_sql_database_instance.this.name
}

resource "google_sql_user" "this" {
  project             = var.project_id
  name                = var.user_name
  instance            = google_sql_database_instance.this.name
  password_wo         = ephemeral.random_password.this.result
  password_wo_version = var.password_version
  # ABANDON: dropping the user while connections are open fails the destroy of the instance.
  deletion_policy = "ABANDON"
}

resource "google_secret_manager_secret_iam_member" "readers" {
  for_each = var.secret_reader_members

  project   = var.project_id
  secret_id = google_secret_manager_secret.this.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value
}
