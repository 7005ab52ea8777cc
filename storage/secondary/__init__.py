"""Secondary storage: an NFS share as a local folder in CloudStack's layout (the one walker, template.properties, the one atomic writer)."""
