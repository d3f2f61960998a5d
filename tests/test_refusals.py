"""One way to refuse: services raise forum.refusals types, views show them with one helper, and the
status of the answer comes from the type of the refusal."""

import ast
from pathlib import Path

import pytest

from forum import refusals
from forum.refusals import Conflict, FieldError, Forbidden, Gone, Malformed, Refusal, show_on

FORUM = Path(refusals.__file__).parent


def _sources():
    return [(path, ast.parse(path.read_text(), str(path))) for path in sorted(FORUM.rglob("*.py"))]


def test_no_module_defines_its_own_field_error_class():
    """A class of its own per service (AccountError twice, SanctionError, …) is how they drifted apart."""
    own = []
    for path, tree in _sources():
        if path == Path(refusals.__file__):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(getattr(base, "id", "") == "ValueError" for base in node.bases):
                own.append(f"{path.relative_to(FORUM)}: {node.name}")
    assert own == []


def test_no_view_puts_a_message_on_a_form_by_hand():
    """`getattr(form, error.field).errors.append(error.message)` belongs in show_on, once."""
    by_hand = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "errors"
                    and node.args and isinstance(node.args[0], ast.Attribute) and node.args[0].attr == "message"
                    and path != Path(refusals.__file__)):
                by_hand.append(f"{path.relative_to(FORUM)}:{node.lineno}")
    assert by_hand == []


@pytest.mark.parametrize("refusal, status", [
    (FieldError("name", "Give it a name."), 422), (Refusal("Not like that."), 422), (Forbidden("Not yours."), 403),
    (Conflict("Done already."), 409), (Gone("Expired."), 410), (Malformed("Garbled."), 400)])
def test_the_type_says_the_status(refusal, status):
    assert refusal.status == status and isinstance(refusal, Refusal) and isinstance(refusal, ValueError)


def test_show_on_puts_the_message_beside_its_field():
    class Input:
        def __init__(self):
            self.errors = []

    class Form:
        name, slug = Input(), Input()

    form = Form()
    show_on(form, FieldError("slug", "Taken."))
    show_on(form, Forbidden("Not yours.", field="name"))
    assert (form.name.errors, form.slug.errors) == (["Not yours."], ["Taken."])
