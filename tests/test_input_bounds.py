"""Every input path has bounds and cleaning: ids out of range are a 404, control characters never
reach the database, fragments opened as pages get a page, and a failing upload folder says so."""

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from forum.extensions import db
from forum.models import Post
from tests.conftest import HTMX
from tests.factories import make_reply, make_thread, make_user

# Past PostgreSQL's INTEGER, past SQLite's (and PostgreSQL's BIGINT) 64 bits, and far past both.
HUGE_IDS = [2**31, 2**63, 10**30]


# --- 5. ids out of range ---------------------------------------------------------------------------

def id_routes(app):
    """Every rule in the URL map with an integer in its path, and the methods it answers."""
    for rule in app.url_map.iter_rules():
        if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values()):
            yield rule, sorted(rule.methods & {"GET", "POST"})


def url_with_ids(app, rule, number, thread):
    """The rule's URL with every integer argument `number` and the other arguments real ones."""
    args = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            args[name] = number
        else:
            args[name] = thread.slug if name == "slug" else thread.author.username
    with app.test_request_context():
        return app.url_for(rule.endpoint, **args)


def test_the_url_map_has_the_routes_with_ids_this_test_walks(app):
    rules = {rule.rule for rule, _ in id_routes(app)}
    assert {"/p/<int:post_id>", "/t/<int:thread_id>", "/t/<int:thread_id>-<slug>",
            "/admin/members/<int:user_id>", "/avatars/<int:user_id>.svg"} <= rules
    assert len(rules) > 30


@pytest.mark.parametrize("number", HUGE_IDS, ids=["2^31", "2^63", "10^30"])
def test_every_route_with_an_id_answers_404_for_an_id_out_of_range(app, client, number):
    admin = make_user(role="admin")
    thread = make_thread(author=admin)
    client.sign_in(admin)
    answers = []
    for rule, methods in id_routes(app):
        url = url_with_ids(app, rule, number, thread)
        for method in methods:
            for headers in ({}, HTMX):
                if method == "GET":
                    response = client.get(url, headers=headers)
                else:
                    response = client.submit(url, {"body": "x", "reason": "x"}, headers=headers)
                answers.append((method, url, bool(headers), response.status_code))
    assert [answer for answer in answers if answer[3] != 404] == []


def test_the_largest_id_in_range_is_looked_up_and_zero_is_not_an_id(client):
    thread = make_thread()
    assert client.get(f"/t/{2**31 - 1}").status_code == 404
    assert client.get(f"/p/{2**31 - 1}").status_code == 404
    assert client.get("/t/0").status_code == 404
    assert client.get(f"/t/{thread.id}").status_code == 301


def test_an_id_in_a_path_is_a_number_from_1_to_2_31_minus_1(app):
    urls = app.url_map.bind("localhost")
    for number in (1, 9, 10, 99, 1999999999, 2147483599, 2**31 - 1):
        assert urls.match(f"/p/{number}") == ("posts.show", {"post_id": number})
    for text in ("0", "01", "-1", str(2**31), "2147483650", "9999999999", "99999999999", "1e3", "٣"):
        with pytest.raises(NotFound):
            urls.match(f"/p/{text}")


@pytest.mark.parametrize("number", HUGE_IDS, ids=["2^31", "2^63", "10^30"])
def test_ids_in_forms_and_query_strings_out_of_range_are_ignored(client, number):
    """A reply naming a huge parent, a huge ?after= on the live poll, a quote of a huge post id:
    each is treated as naming nothing, never a 500."""
    member = make_user()
    thread = make_thread()
    own = make_reply(thread, author=member, body="Mine.")
    client.sign_in(member)
    response = client.submit(f"/t/{thread.id}/reply", {"body": "Answering nothing.", "parent_id": str(number)})
    assert response.status_code == 302
    response = client.submit(f"/t/{thread.id}/reply",
                             {"body": f"> [Someone](/p/{number}) wrote:\n> hi\n\n[link](/p/{number}) Quoting."})
    assert response.status_code == 302
    response = client.submit(f"/t/{thread.id}/draft", {"body": "draft", "parent_id": str(number)})
    assert response.status_code == 204
    reply = db.session.scalars(db.select(Post).where(Post.body == "Answering nothing.")).one()
    assert reply.parent_id is None
    for url in (f"/t/{thread.id}/new-replies?after={number}", f"/t/{thread.id}/new-replies/posts?after={number}"):
        assert client.get(url, headers=HTMX).status_code == 200, url
    assert client.get(f"/?page={number}").status_code == 404
    assert client.get(f"/t/{thread.id}-{thread.slug}?page={number}").status_code == 404
    assert client.get(f"/search?q=reply&page={number}").status_code in (200, 404)
    response = client.submit(f"/p/{own.id}/edit", {"body": "Edited.", "version": str(number)})
    assert response.status_code in (302, 409)


@pytest.mark.parametrize("path", ["/sanction/preview", "/sanction"])
def test_a_sanction_naming_a_thread_number_out_of_range_is_refused_beside_the_field(client, path):
    moderator, member = make_user(role="moderator"), make_user()
    client.sign_in(moderator)
    response = client.submit(f"/mod/members/{member.username}{path}",
                             {"kind": "thread_ban", "reason": "Off topic.", "days": "3", "thread_id": str(2**31)})
    assert response.status_code == 422
    assert "There is no thread with that number." in response.text
