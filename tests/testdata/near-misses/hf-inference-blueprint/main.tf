# Modelled on GPU inference blueprints (vLLM / Triton on EKS or GKE) that pull gated models.

variable "huggingface_token" {
  description = "Hugging Face token for gated models; set it with TF_VAR_huggingface_token."
  type        = string
  default     = "DUMMY_TOKEN_REPLACE_ME"
  sensitive   = true
}

variable "ngc_api_key" {
  description = "NVIDIA NGC API key."
  type        = string
  default     = ""
  sensitive   = true
}

variable "tokenizer" {
  description = "Tokenizer the inference server loads."
  type        = string
  default     = "meta-llama/Meta-Llama-3-8B-Instruct"
}

variable "tokenizer_mode" {
  description = "vLLM tokenizer mode."
  type        = string
  default     = "auto"
}

variable "k8s_hf_secret" {
  description = "Name of the Kubernetes secret that holds the Hugging Face token."
  type        = string
  default     = "hf-token"
}

variable "hf_token_secret_key" {
  description = "Key inside that secret."
  type        = string
  default     = "token"
}

variable "wandb_api_key" {
  description = "Weights & Biases key for training runs."
  type        = string
  default     = "your-wandb-api-key"
}

variable "max_tokens" {
  description = "Upper bound on generated tokens."
  type        = number
  default     = 4096
}

variable "model_secret" {
  description = "Secret that holds the model's object-store credentials."
  type        = string
  default     = "llama3-model-store"
}

variable "triton_password" {
  description = "A sensitive variable with a real token in its default is still a leak."
  type        = string
  sensitive   = true
  default     = "hf_QmT7xPzL2vRk9WcN4bYa8HsD3fGe6JuK1oBq" # MLS018
}

variable "registry_password" {
  description = "Not marked sensitive, and the default is a real password."
  type        = string
  default     = "Tr1t0n-Regi5try-2024" # MLS018
}

resource "kubernetes_secret_v1" "hf" {
  metadata {
    name      = var.k8s_hf_secret
    namespace = "vllm"
  }
  data = {
    token = var.huggingface_token
  }
}

resource "kubernetes_secret_v1" "wandb" {
  metadata {
    name = "wandb"
  }
  data = { WANDB_API_KEY = "f3b9c2a17d4e8b6a09c1e5d7f2a4b8c3e6d9f0a1" } # MLS018
}

resource "kubernetes_deployment_v1" "vllm" {
  metadata {
    name = "vllm"
  }
  spec {
    template {
      metadata {
        labels = { app = "vllm" }
      }
      spec {
        container {
          name  = "vllm"
          image = "vllm/vllm-openai:v0.6.3"
          args  = ["--tokenizer", var.tokenizer, "--max-model-len", "8192"]
          env {
            name = "HF_TOKEN"
            value_from {
              secret_key_ref {
                name = var.k8s_hf_secret
                key  = var.hf_token_secret_key
              }
            }
          }
          env {
            name  = "VLLM_API_KEY_FILE"
            value = "/etc/vllm/api-key"
          }
        }
      }
    }
  }
}

locals {
  hf_token_env       = "HF_TOKEN"
  secret_mount_path  = "/var/run/secrets/hf"
  token_refresh_days = 30
  auth_header        = "Authorization"
  api_key_secret     = "{{resolve:secretsmanager:prod/triton:SecretString:api_key}}"
  db_password        = "$(cat /run/secrets/db)"
  grafana_password   = "CHANGE_ME_BEFORE_USE"
}
