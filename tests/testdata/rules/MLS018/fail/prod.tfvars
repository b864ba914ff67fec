db_password = "Zm9vYmFyYmF6cXV4" # MLS018
