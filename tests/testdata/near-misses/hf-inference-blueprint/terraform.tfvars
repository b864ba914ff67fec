huggingface_token = "<your Hugging Face token>"
tokenizer         = "mistralai/Mistral-7B-Instruct-v0.3"
k8s_hf_secret     = "hf-token"
wandb_api_key     = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
ngc_api_key       = "nvapi-Qk3xP9wLm2Rt7VbZ4cYn8HsD5fJg1KuE" # MLS018
