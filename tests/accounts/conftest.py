from tests.vault_fixtures import _fast_password_hashing, credential, superuser, website  # noqa: F401
