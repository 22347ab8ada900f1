"""A populated portal for the tests that attack it, walk it, back it up and restore it."""

from __future__ import annotations

import pytest

from tests.portal_data import PortalData, populate
from tests.vault_fixtures import superuser  # noqa: F401 - fixture


@pytest.fixture
def portal(staf, staf_other, editor, kadis, admin_user) -> PortalData:
    return populate(staf=staf, staf_other=staf_other, editor=editor, kadis=kadis, admin=admin_user)
