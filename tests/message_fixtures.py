"""Fixtures shared by the private conversation tests (test_messages*.py): the two members who write to
each other. Registered in conftest.py's pytest_plugins, so a module that wants them just names them."""

import pytest

from tests.factories import make_user


@pytest.fixture
def lou(app):
    return make_user(username="lou_d", display_name="Lou Dobbs")


@pytest.fixture
def susan(app):
    return make_user(username="susan_t", display_name="Susan Tate")
