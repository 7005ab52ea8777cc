"""The row builders of sampledata.rows under the name the tests import
(bench/ imports them from sampledata, never from tests/)."""
from sampledata.rows import make_location, make_template, make_transfer, make_zone, seed_bulk  # noqa: F401
