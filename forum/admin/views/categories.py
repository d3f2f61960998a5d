"""Admin pages for categories: the list with a form to add one, and each category's edit form."""

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from ...htmx import is_fragment_request, render
from ...policy import admin_required
from ...refusals import FieldError, show_on
from .. import bp
from ..forms import CategoryForm
from ..service import categories as service


def _render_list(form, status=200):
    return render("admin/categories.html", "category_manager", status=status, form=form,
                  categories=service.categories_with_counts())


def _render_edit(category, form, status=200):
    return render("admin/category.html", "category_form", status=status, category=category, form=form)


def _category(category_id):
    return service.get_category(category_id) or abort(404, "There is no such category.")


@bp.get("/categories")
@admin_required
def categories():
    """Every category, in order, with a form to add one."""
    return _render_list(CategoryForm(formdata=None))


@bp.post("/categories")
@admin_required
def create_category():
    """Add a category."""
    form = CategoryForm()
    if form.validate():
        try:
            category = service.create_category(current_user, form.fields())
        except FieldError as error:
            show_on(form, error)
        else:
            flash(f"The category “{category.name}” is added.", "success")
            if is_fragment_request():
                return _render_list(CategoryForm(formdata=None), status=201)
            return redirect(url_for("admin.categories"))
    return _render_list(form, status=422)


@bp.get("/categories/<int:category_id>")
@admin_required
def category(category_id):
    """One category's edit form."""
    category = _category(category_id)
    return _render_edit(category, CategoryForm(formdata=None, obj=category))


@bp.post("/categories/<int:category_id>")
@admin_required
def update_category(category_id):
    """Save a category's name, address, description, position and who may read it."""
    category, form = _category(category_id), CategoryForm()
    if form.validate():
        try:
            category = service.update_category(current_user, category, form.fields())
        except FieldError as error:
            show_on(form, error)
        else:
            flash(f"The category “{category.name}” is saved.", "success")
            if is_fragment_request():
                return _render_edit(category, CategoryForm(formdata=None, obj=category))
            return redirect(url_for("admin.categories"))
    return _render_edit(category, form, status=422)
