"""`make run` keeps its data in SQLite (the embedded default); every page
must work there too, not only on the PostgreSQL of the tests."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_renders_on_the_embedded_sqlite(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run([sys.executable, "-m", "tests.sqlite_pages"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 200 / " in result.stdout  # the dashboard itself was among the pages
    assert " 404 GET /templates/register/9223372036854775808/" in result.stdout
