"""The README's configuration table lists every environment variable that
cloudadmin/settings.py reads, so the docs match the code."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_of_the_settings_is_in_the_readme():
    settings = (ROOT / "cloudadmin" / "settings.py").read_text()
    names = set(re.findall(r'env(?:str|int|bool|list|float)\(\s*"([A-Z][A-Z0-9_]*)"', settings))
    assert len(names) > 20  # the pattern really finds the settings
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert missing == []
