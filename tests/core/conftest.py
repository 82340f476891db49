from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from flashdesk.collection import Collection

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: a fixed time zone and moment: 10:00 on Monday 2 March 2026, UTC+1
TZ = timezone(timedelta(hours=1))
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def col_path(tmp_path):
    return tmp_path / "profile" / "collection.db"


@pytest.fixture
def col(col_path):
    """A real collection file on disk, without the bundled decks."""
    c = Collection.open(col_path, bundled=False)
    yield c
    c.close()


@pytest.fixture
def example(col):
    col.files.import_files([FIXTURES / "example.toml"])
    return col
