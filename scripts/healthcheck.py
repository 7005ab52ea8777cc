"""Container healthcheck: GET /healthz on the local gunicorn, exit 0 on 200.

Stdlib only, so it costs no Django start-up. It sends a Host header taken
from ALLOWED_HOSTS, since Django refuses requests for hosts it does not serve.
"""
import os
import sys
import urllib.error
import urllib.request

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/healthz"
hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
host = hosts[0].lstrip(".") if hosts and hosts[0] != "*" else "localhost"
request = urllib.request.Request(url, headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=float(os.environ.get("HEALTHCHECK_TIMEOUT", "20"))) as response:
        print(response.read().decode())
        sys.exit(0 if response.status == 200 else 1)
except urllib.error.HTTPError as exc:  # 503: the body says which part failed
    print(exc.read().decode())
    sys.exit(1)
except OSError as exc:
    print(f"healthz unreachable: {exc}")
    sys.exit(1)
