versioning = "Disabled" # MLS010
