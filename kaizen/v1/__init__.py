# Generated protobuf code lives in this package; regenerate with `make proto`.
