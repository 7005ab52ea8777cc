import signal
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from storage.swift.localswift import AUTH_KEY, AUTH_USER, LocalSwift


class Command(BaseCommand):
    help = "Run a local OpenStack Swift (proxy, account, container, object) on loopback."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8080, help="proxy port (default 8080)")
        parser.add_argument("--root", default=str(settings.DATA_DIR / "swift"),
                            help="folder for config, rings and data")
        parser.add_argument("--max-file-size", type=int, default=5 * 1024**3 + 2,
                            help="largest single object in bytes; larger uploads need SLO")
        parser.add_argument("--memcache", default=None,
                            help="host:port of an existing memcached (default: start one)")

    def handle(self, *args, **options):
        swift = LocalSwift(root=Path(options["root"]), proxy_port=options["port"],
                           max_file_size=options["max_file_size"], memcache=options["memcache"])
        swift.start()
        self.stdout.write(self.style.SUCCESS(
            f"Swift is up: auth URL {swift.auth_url}  user {AUTH_USER}  key {AUTH_KEY}"
        ))
        stop = []
        signal.signal(signal.SIGTERM, lambda *a: stop.append(True))
        try:
            while not stop:
                for name, proc in swift.processes.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"swift {name} exited with {proc.returncode}")
                        stop.append(True)
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            swift.stop()
            self.stdout.write("Swift stopped.")
