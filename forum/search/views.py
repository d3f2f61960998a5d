"""The search page: a form, and the results it finds."""

from flask import current_app, request
from flask_login import current_user
from wtforms import SelectChoice

from ..htmx import render
from ..pagination import requested_page
from ..threads.service import readable_categories
from . import bp, service
from .forms import SearchForm

PER_PAGE = 20


@bp.get("/search")
def index():
    """Search thread titles and post text; a fragment request gets the results region alone."""
    categories = readable_categories(current_user)
    form = SearchForm(request.args)
    form.category.choices = [SelectChoice("", "All categories")] + [SelectChoice(c.slug, c.name) for c in categories]
    wanted = service.wanted(form.q.data, form.category.data, form.author.data, categories)
    form.q.data = wanted.text
    tally = service.count(wanted, current_user)
    page = requested_page(tally.total, current_app.config.get("SEARCH_PER_PAGE", PER_PAGE))
    return render("search/index.html", "results", form=form, wanted=wanted, page=page, tally=tally,
                  hits=service.hits(wanted, current_user, page))
