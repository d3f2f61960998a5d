"""Template helpers that stand in for slower equivalents must give exactly what those would."""

from datetime import timedelta

import pytest
from flask import url_for

from forum.models.base import utcnow
from forum.templating import longtime, url_for_post, timestamp

POST_ROUTES = ["posts.show", "posts.reply_form", "posts.quote", "posts.edit_form", "posts.delete", "posts.react",
               "posts.reactions", "posts.history_page", "moderation.flag_form"]


@pytest.mark.parametrize("endpoint", POST_ROUTES)
@pytest.mark.parametrize("script_root", ["", "/forum"])
def test_post_url_is_url_for(app, endpoint, script_root):
    for post_id in (1, 42, 1234567):
        with app.test_request_context("/", environ_base={"SCRIPT_NAME": script_root}):
            assert url_for_post(endpoint, post_id) == url_for(endpoint, post_id=post_id)
            assert url_for_post(endpoint, post_id, quote=1) == url_for(endpoint, post_id=post_id, quote=1)


def test_a_timestamp_says_how_long_ago_and_when_exactly(app):
    moment = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    exact = longtime(moment)
    assert str(timestamp(moment)) == (
        f'<time datetime="{moment:%Y-%m-%dT%H:%M:%S}Z" title="{exact}"><span class="ago">3 hours ago</span>'
        f'<span class="visually-hidden"> ({exact})</span></time>')
