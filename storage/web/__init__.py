"""Pages, forms and fragments of storage; the logic they call lives in the other sub-packages."""
