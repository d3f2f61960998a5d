"""The search form: a plain GET form, so no CSRF token (it changes nothing)."""

from wtforms import Form, SearchField, SelectField, StringField

from .service import AUTHOR_MAX, QUERY_MAX


class SearchForm(Form):
    q = SearchField("Search for", render_kw={"maxlength": QUERY_MAX, "autocomplete": "off"})
    category = SelectField("Category", coerce=str, validate_choice=False)
    author = StringField("Author's username",
                         render_kw={"maxlength": AUTHOR_MAX, "autocomplete": "off", "spellcheck": "false"})
