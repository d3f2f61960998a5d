"""The layout every blueprint follows (README, "How the code is laid out"): routes live in views
modules and forms in forms modules, so that URL → blueprint → views is one guess. The import graph's
own rules are import-linter's contracts in pyproject.toml, run by `make test`."""

import importlib
import pkgutil
import re

from flask_wtf import FlaskForm

import forum

VIEWS_MODULE = re.compile(r"^forum\.\w+\.views(\.\w+)?$")
FORMS_MODULE = re.compile(r"^forum\.\w+\.forms$")


def every_forum_module():
    for info in pkgutil.walk_packages(forum.__path__, "forum."):
        yield importlib.import_module(info.name)


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def test_every_route_is_in_a_views_module(app):
    misplaced = {endpoint: view.__module__ for endpoint, view in app.view_functions.items()
                 if endpoint != "static" and not VIEWS_MODULE.match(view.__module__)}
    assert misplaced == {}


def test_every_form_is_in_a_forms_module():
    list(every_forum_module())  # define every form there is
    misplaced = {form.__name__: form.__module__ for form in subclasses(FlaskForm)
                 if form.__module__.startswith("forum.") and not FORMS_MODULE.match(form.__module__)}
    assert misplaced == {}
