from tests.checklists.conftest import daily, jpeg_bytes, submission  # noqa: F401  (daily is a fixture)
from tests.orgs.conftest import org_admin  # noqa: E402, F401  (a fixture)
