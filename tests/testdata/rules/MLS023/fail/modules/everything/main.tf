resource "aws_sqs_queue" "q0" { # MLS023
  count = var.v00 ? 1 : 0
  name  = "q0"
}

resource "aws_sqs_queue" "q1" {
  count = var.v01 ? 1 : 0
  name  = "q1"
}

resource "aws_sqs_queue" "q2" {
  count = var.v02 ? 1 : 0
  name  = "q2"
}

resource "aws_sqs_queue" "q3" {
  count = var.v03 ? 1 : 0
  name  = "q3"
}

resource "aws_sqs_queue" "q4" {
  count = var.v04 ? 1 : 0
  name  = "q4"
}

resource "aws_sqs_queue" "q5" {
  count = var.v05 ? 1 : 0
  name  = "q5"
}

resource "aws_sqs_queue" "q6" {
  count = var.v06 ? 1 : 0
  name  = "q6"
}

resource "aws_sqs_queue" "q7" {
  count = var.v07 ? 1 : 0
  name  = "q7"
}

resource "aws_sqs_queue" "q8" {
  count = var.v08 ? 1 : 0
  name  = "q8"
}
