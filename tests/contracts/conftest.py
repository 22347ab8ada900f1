"""The contract tests use the publishing tests' simulator and media."""

from tests.publishing.conftest import (  # noqa: F401 - fixtures
    file_server,
    media_dir,
    simulator,
    simulator_operator,
)
