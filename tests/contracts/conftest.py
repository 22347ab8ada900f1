"""The contract tests use the publishing tests' simulator and media."""

from tests.publishing.conftest import file_server, media_dir, simulator  # noqa: F401 - fixtures
