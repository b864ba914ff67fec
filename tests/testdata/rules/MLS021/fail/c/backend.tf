terraform {
  backend "http" { # MLS021
    address = "https://state.example.com/c"
  }
}
