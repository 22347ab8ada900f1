"""The insights tests use the publishing tests' simulator, channels and worker."""

from tests.publishing.conftest import (  # noqa: F401 - fixtures
    file_server,
    media_dir,
    simulator,
    simulator_operator,
)
from tests.publishing.delivery_fixtures import (  # noqa: F401 - fixtures
    delivery_queue_name,
    delivery_worker,
    use_queue,
)
