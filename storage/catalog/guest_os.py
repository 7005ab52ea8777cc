"""CloudStack's guest OS list (its guest_os and guest_os_category tables on
a fresh install), a usual subset: seeded by the data migration storage 0012 (which keeps its
own frozen copy) and again after every migrate or flush (post_migrate, StorageConfig), so a
database emptied by tests gets it back. UUIDs are uuid5 of the name in the
project's namespace (api.serializers.identity.guest_os_id), so "Other
(64-bit)" keeps the id listTemplates answered before OS types existed."""
import uuid

NAMESPACE = uuid.UUID("6f1c2f0e-5a8b-4c1e-9d55-0c1a2d3b4e5f")

GUEST_OS = {
    "CentOS": ["CentOS 5.3 (32-bit)", "CentOS 5.3 (64-bit)", "CentOS 5.5 (64-bit)", "CentOS 6.0 (64-bit)",
               "CentOS 6.5 (64-bit)", "CentOS 7", "CentOS 8"],
    "Debian": ["Debian GNU/Linux 6(64-bit)", "Debian GNU/Linux 7(64-bit)", "Debian GNU/Linux 8 (64-bit)",
               "Debian GNU/Linux 9 (64-bit)", "Debian GNU/Linux 10 (64-bit)", "Debian GNU/Linux 11 (64-bit)"],
    "Oracle": ["Oracle Enterprise Linux 5.5 (64-bit)", "Oracle Enterprise Linux 6.0 (64-bit)",
               "Oracle Linux 7", "Oracle Linux 8"],
    "RedHat": ["Red Hat Enterprise Linux 5.5 (64-bit)", "Red Hat Enterprise Linux 6.0 (64-bit)",
               "Red Hat Enterprise Linux 7", "Red Hat Enterprise Linux 8"],
    "SUSE": ["SUSE Linux Enterprise Server 11 SP1 (64-bit)", "SUSE Linux Enterprise Server 12 (64-bit)"],
    "Ubuntu": ["Ubuntu 10.04 (64-bit)", "Ubuntu 12.04 (64-bit)", "Ubuntu 14.04 (64-bit)", "Ubuntu 16.04 (64-bit)",
               "Ubuntu 18.04 LTS", "Ubuntu 20.04 LTS", "Ubuntu 22.04 LTS"],
    "Windows": ["Windows 7 (64-bit)", "Windows 10 (64-bit)", "Windows Server 2008 R2 (64-bit)",
                "Windows Server 2012 R2 (64-bit)", "Windows Server 2016 (64-bit)", "Windows Server 2019 (64-bit)"],
    "Unix": ["FreeBSD 10 (64-bit)", "FreeBSD 12 (64-bit)"],
    "Other": ["Other (32-bit)", "Other (64-bit)", "Other Linux (64-bit)", "Other PV (64-bit)"],
}



def seed(guest_os_model) -> None:
    """Add the entries that are missing (a model class: the real one, or a
    migration's historical one)."""
    guest_os_model.objects.bulk_create(
        [guest_os_model(name=name, category=category, uuid=uuid.uuid5(NAMESPACE, f"guestos/{name}"))
         for category, names in GUEST_OS.items() for name in names], ignore_conflicts=True)
