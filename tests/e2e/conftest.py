"""The end-to-end tests share the delivery tests' worker and queue, and the vault's superuser."""

from tests.publishing.delivery_fixtures import (  # noqa: F401 - fixtures
    delivery_queue_name,
    delivery_worker,
    use_queue,
)
from tests.vault_fixtures import superuser  # noqa: F401 - fixture
