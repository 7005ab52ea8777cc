import signal
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from storage import localkeystone
from storage.localswift import AUTH_KEY, AUTH_USER, LocalSwift


class Command(BaseCommand):
    help = ("Run a local OpenStack Swift (proxy, account, container, object) on loopback, "
            "with tempauth or behind a local Keystone.")

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8080, help="proxy port (default 8080)")
        parser.add_argument("--root", default=str(settings.DATA_DIR / "swift"),
                            help="folder for config, rings and data")
        parser.add_argument("--max-file-size", type=int, default=5 * 1024**3 + 2,
                            help="largest single object in bytes; larger uploads need SLO")
        parser.add_argument("--memcache", default=None,
                            help="host:port of an existing memcached (default: start one)")
        parser.add_argument("--auth", choices=("tempauth", "keystone"), default="tempauth",
                            help="tempauth in the proxy (default), or a local Keystone (v3) in front of it")
        parser.add_argument("--keystone-port", type=int, default=5000, help="Keystone's port (default 5000)")
        parser.add_argument("--token-expiration", type=int, default=3600,
                            help="lifetime of Keystone's tokens in seconds (default 3600)")

    def handle(self, *args, **options):
        root = Path(options["root"])
        common = {"max_file_size": options["max_file_size"], "memcache": options["memcache"]}
        keystone = None
        if options["auth"] == "keystone":
            # Keystone lives in its own virtualenv; built once, checked each time.
            subprocess.run(["bash", str(localkeystone.ROOT / "scripts" / "keystone-venv.sh")], check=True)
            keystone, swift = localkeystone.start_pair(
                root.parent / f"{root.name}-keystone", keystone_port=options["keystone_port"],
                swift_port=options["port"], token_expiration=options["token_expiration"], **common)
            self.stdout.write(self.style.SUCCESS(
                f"Swift is up behind Keystone: identity URL {keystone.url}  domain {localkeystone.DOMAIN}  "
                f"project {localkeystone.PROJECT}  user {localkeystone.USERNAME}  "
                f"password {localkeystone.PASSWORD}"))
        else:
            swift = LocalSwift(root=root, proxy_port=options["port"], **common).start()
            self.stdout.write(self.style.SUCCESS(
                f"Swift is up: auth URL {swift.auth_url}  user {AUTH_USER}  key {AUTH_KEY}"))
        stop = []
        signal.signal(signal.SIGTERM, lambda *a: stop.append(True))
        try:
            while not stop:
                watched = {**swift.processes, **({"keystone": keystone.process} if keystone else {})}
                for name, proc in watched.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}")
                        stop.append(True)
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            swift.stop()
            if keystone is not None:
                keystone.stop()
            self.stdout.write("Swift stopped.")
