from tests.vault_fixtures import credential, superuser, website  # noqa: F401
