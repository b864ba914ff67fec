# helm 3.x made `set`, `postrender` and friends nested arguments; the 2.x block syntax is an error.

resource "helm_release" "v2_syntax" {
  name  = "x"
  chart = "y"

  set { # ERROR: "set" is an argument, not a block
    name  = "a"
    value = "b"
  }
}

resource "helm_release" "bad_objects" { # ERROR: Missing required argument "chart"
  name = "x"

  set = [{ nmae = "a", value = "b" }] # ERROR: Unsupported attribute "nmae" in "set" ERROR: Missing required attribute "name" in "set"

  metadata = {} # ERROR: Read-only attribute "metadata" cannot be set
}

resource "helm_release" "postrender" {
  name  = "x"
  chart = "y"

  postrender { # ERROR: "postrender" is an argument, not a block
    binary_path = "/bin/true"
  }
}

resource "helm_release" "postrender_keys" {
  name       = "x"
  chart      = "y"
  postrender = { binary = "/bin/true" } # ERROR: Unsupported attribute "binary" in "postrender" ERROR: Missing required attribute "binary_path" in "postrender"
}
