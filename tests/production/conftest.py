import pytest

from tests.production import harness


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """collectstatic once for the module, as production runs it (DEBUG off: hashed, compressed names)."""
    folder = tmp_path_factory.mktemp("static")
    env = harness.production_env("unused", folder, STATIC_ROOT=str(folder / "static"))
    env.pop("DATABASE_URL")
    harness.run_manage(["collectstatic", "--noinput", "--verbosity", "0"], env, timeout=300)
    return folder / "static"


@pytest.fixture
def processes(tmp_path):
    started = harness.Processes(tmp_path)
    yield started
    started.stop_all()
