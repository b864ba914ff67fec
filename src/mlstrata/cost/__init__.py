"""Cost of GPU capacity: the platform's monthly min-max band and a plan's delta, from the price book."""
