resource "aws_s3_bucket" "this" {
  bucket = "acme-ml-models"
}
