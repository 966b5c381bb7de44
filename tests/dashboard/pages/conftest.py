"""Fixtures shared by the desktop page tests (the ``desk`` app: a small city, logged-in clients)."""
from tests.dashboard.pages.desk_fixtures import desk  # noqa: F401 - registers the fixture for this package
