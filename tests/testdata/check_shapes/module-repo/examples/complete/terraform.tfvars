name = "complete"
