import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def calfcheck_home(tmp_path_factory):
    """Build models in a temporary home so tests never touch the user's cache."""
    home = tmp_path_factory.mktemp("calfcheck-home")
    os.environ["CALFCHECK_HOME"] = str(home)
    return home


@pytest.fixture(scope="session")
def model(calfcheck_home):
    from classifier import ensure_default_model, load_model

    return load_model(ensure_default_model())
