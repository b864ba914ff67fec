direct_max = 3 # MLS003
