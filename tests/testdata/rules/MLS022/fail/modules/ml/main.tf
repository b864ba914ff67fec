resource "aws_s3_bucket" "artifacts" {
  bucket = "acme-ml-artifacts"
}

resource "aws_sagemaker_model_package_group" "fraud" {
  model_package_group_name = "fraud"
}
