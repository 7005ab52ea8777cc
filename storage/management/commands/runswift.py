import signal
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from storage.swift import localkeystone
from storage.swift.localswift import AUTH_KEY, AUTH_USER, LocalSwift

# A server that exits is started again after 1, 2, 4 ... at most 30 seconds;
# one that then ran this long starts the count afresh.
RESTART_BACKOFF_MAX = 30.0
RESTART_STABLE_SECONDS = 60.0


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
        parser.add_argument("--replicas", type=int, default=1, choices=range(1, 6), metavar="N",
                            help="object replicas, each on its own object server and device (default 1)")
        parser.add_argument("--auth", choices=("tempauth", "keystone"), default="tempauth",
                            help="tempauth in the proxy (default), or a local Keystone (v3) in front of it")
        parser.add_argument("--keystone-port", type=int, default=5000, help="Keystone's port (default 5000)")
        parser.add_argument("--token-expiration", type=int, default=3600,
                            help="lifetime of Keystone's tokens in seconds (default 3600)")

    def handle(self, *args, **options):
        root = Path(options["root"])
        common = {"max_file_size": options["max_file_size"], "memcache": options["memcache"],
                  "replicas": options["replicas"]}
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
                f"password {localkeystone.PASSWORD}  replicas {swift.replicas}"))
        else:
            swift = LocalSwift(root=root, proxy_port=options["port"], **common).start()
            self.stdout.write(self.style.SUCCESS(
                f"Swift is up: auth URL {swift.auth_url}  user {AUTH_USER}  key {AUTH_KEY}  "
                f"replicas {swift.replicas}"))
        stop = []
        signal.signal(signal.SIGTERM, lambda *a: stop.append(True))
        try:
            self._supervise(swift, stop, keystone)
        except KeyboardInterrupt:
            pass
        finally:
            swift.stop()
            if keystone is not None:
                keystone.stop()
            self.stdout.write("Swift stopped.")

    def _supervise(self, swift, stop, keystone=None):
        """Restart a server that exited, with backoff, and log it: with
        replicas the others carry on meanwhile (Swift degraded, not down).
        Keystone exiting stops everything."""
        started = {name: time.monotonic() for name in swift.processes}
        failures: dict[str, int] = {}
        restart_at: dict[str, float] = {}
        while not stop:
            if keystone is not None and keystone.process.poll() is not None:
                self.stderr.write(f"keystone exited with {keystone.process.returncode}")
                return
            now = time.monotonic()
            for name, proc in list(swift.processes.items()):
                if proc.poll() is None or name in restart_at:
                    continue
                if now - started[name] >= RESTART_STABLE_SECONDS:
                    failures[name] = 0
                failures[name] = failures.get(name, 0) + 1
                delay = min(RESTART_BACKOFF_MAX, 2.0 ** (failures[name] - 1))
                restart_at[name] = now + delay
                self.stderr.write(f"swift {name} exited with {proc.returncode}; restarting in {delay:g} s")
            for name, when in list(restart_at.items()):
                if now >= when:
                    del restart_at[name]
                    swift.restart_server(name)
                    started[name] = time.monotonic()
                    self.stderr.write(f"swift {name} restarted")
            time.sleep(0.5)
