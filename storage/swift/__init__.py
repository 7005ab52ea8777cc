"""Swift: connections and errors, the local Swift, and how a template is stored as objects (names, SLO manifests, metadata, segments)."""
