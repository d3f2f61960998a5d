"""The links between pages (forum/pagination.py) are kept per worker: each list gets its own, the same
as templates/_pagination.html renders them afresh."""

import re

from flask import render_template_string

from forum.pagination import Page
from tests.factories import make_reply, make_thread


def links(html: str, label: str) -> list[str]:
    nav = re.search(f'<nav class="pagination" aria-label="{label}">(.*?)</nav>', html, re.S)
    assert nav, label
    return re.findall(r'href="([^"]+)"', nav[1])


def test_each_thread_and_order_gets_its_own_links(app, client):
    app.config["POSTS_PER_PAGE"] = 1
    first, second = make_thread(title="First"), make_thread(title="Second")
    for thread in (first, second):
        for n in range(3):
            make_reply(thread, body=f"Reply {n}.")
    for thread in (first, second, first):  # the first again: kept, and still its own
        html = client.get(f"/t/{thread.id}-{thread.slug}?page=2").text
        assert links(html, "Thread pages, top") == [
            f"/t/{thread.id}-{thread.slug}", f"/t/{thread.id}-{thread.slug}", f"/t/{thread.id}-{thread.slug}?page=3",
            f"/t/{thread.id}-{thread.slug}?page=4", f"/t/{thread.id}-{thread.slug}?page=3"]
    newest = client.get(f"/t/{first.id}-{first.slug}?page=2&order=newest").text
    assert all("order=newest" in link for link in links(newest, "Thread pages, bottom"))


def test_kept_links_are_what_the_macro_renders(app):
    page = Page(number=7, per_page=20, total=400)
    with app.test_request_context("/"):
        fresh = render_template_string('{% from "_pagination.html" import pagination %}'
                                       '{{ pagination(page, "threads.category", label="Thread pages", slug="news") }}',
                                       page=page)
        for _ in range(2):  # rendered, then kept
            assert render_template_string('{{ pagination(page, "threads.category", label="Thread pages", slug="news") }}',
                                          page=page) == fresh
    assert "/c/news?page=8" in fresh and 'aria-current="page">7<' in fresh
