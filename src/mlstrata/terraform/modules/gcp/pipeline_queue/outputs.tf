output "queue_topic_id" {
  description = "Topic id pipelines publish to."
  value       = google_pubsub_topic.this.id
}

output "queue_subscription_id" {
  description = "Subscription id workers pull from."
  value       = google_pubsub_subscription.this.id
}

output "queue_dead_letter_topic_id" {
  description = "Dead-letter topic id."
  value       = google_pubsub_topic.dead_letter.id
}
