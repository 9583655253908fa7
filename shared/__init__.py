"""Code shared by the HTTP functions: models, service layer, storage and HTTP semantics."""
