"""A thread page people can scan (issue 12): each post's header (picture, name, number, time), the
post actions with their icons, the edit form that keeps the header and previews, the last poster in
thread lists, and the header's menu."""

import re

import pytest

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Post, User
from tests.factories import make_category, make_reply, make_thread, make_user

UPLOAD = "{id}-abcdefghijkl.webp"


def thread_url(thread):
    return f"/t/{thread.id}-{thread.slug}"


def give_picture(user):
    with write_transaction() as session:
        session.get(User, user.id).avatar = UPLOAD.format(id=user.id)


def article(html, post_id):
    start = html.index(f'id="p{post_id}"')
    return html[start:html.index("</article>", start)]


@pytest.fixture
def member(client):
    user = make_user(display_name="Susan T.")
    client.sign_in(user)
    return user


def test_each_post_header_shows_the_authors_picture_and_its_number_linking_the_permalink(client):
    pictured, plain = make_user(display_name="Priya Nair"), make_user(display_name="Walt H.")
    give_picture(pictured)
    thread = make_thread(author=pictured, body="opening")
    reply = make_reply(thread, author=plain, body="an answer")
    page = client.get(thread_url(thread)).text
    opening = db.session.scalar(db.select(Post.id).where(Post.thread_id == thread.id).order_by(Post.id))
    first, second = article(page, opening), article(page, reply.id)
    assert f'src="/avatars/uploads/{UPLOAD.format(id=pictured.id)}"' in first
    assert re.search(rf'<img class="avatar avatar-post" src="/avatars/{plain.id}\.svg\?v=\w+" alt=""', second)
    assert re.search(rf'<a class="permalink" href="/p/{opening}"><span class="post-number">#1</span> <time', first)
    assert re.search(rf'<a class="permalink" href="/p/{reply.id}"><span class="post-number">#2</span> <time', second)


def test_post_numbers_count_every_post_before_it_across_pages_and_orders(app, client):
    app.config["POSTS_PER_PAGE"] = 2
    thread = make_thread(body="opening")
    replies = [make_reply(thread, body=f"reply {n}") for n in range(1, 5)]  # posts #2 to #5
    page_three = client.get(thread_url(thread) + "?page=3").text
    assert f'href="/p/{replies[-1].id}"><span class="post-number">#5</span>' in page_three
    newest = client.get(thread_url(thread) + "?order=newest").text
    assert f'href="/p/{replies[-1].id}"><span class="post-number">#5</span>' in newest
    assert f'href="/p/{replies[-2].id}"><span class="post-number">#4</span>' in newest


@pytest.mark.parametrize("reader", ["guest", "member"])
def test_every_page_in_every_order_numbers_each_post_by_its_place_removed_ones_too(app, client, reader):
    """A page's numbers come from its place in the thread (its offset, read oldest or newest first): they
    must be what counting the posts before each one gives, after a removal and a deletion too."""
    from forum.moderation.service import flags
    from forum.posts import service as posts
    from forum.posts.service import reactions

    app.config["POSTS_PER_PAGE"] = 3
    thread = make_thread(body="opening")
    replies = [make_reply(thread, body=f"reply {n}") for n in range(1, 8)]  # posts #2 to #8
    flags.hide_post(make_user(role="moderator"), replies[1], "Off topic")
    posts.delete_post(replies[4], replies[4].author)
    reactions.react(make_user(), replies[5], "like")  # "top" puts #7 first
    if reader == "member":
        client.sign_in(make_user())
    ids = list(db.session.scalars(db.select(Post.id).where(Post.thread_id == thread.id).order_by(Post.id)))
    for order in ("oldest", "newest", "top"):
        seen = {}
        for number in (1, 2, 3):
            page = client.get(thread_url(thread) + f"?order={order}&page={number}").text
            seen.update((int(post_id), int(place)) for post_id, place in
                        re.findall(r'<a class="permalink" href="/p/(\d+)"><span class="post-number">#(\d+)</span>', page))
        assert seen == {post_id: place for place, post_id in enumerate(ids, 1)}, order


def test_a_post_alone_keeps_its_number(client):
    thread = make_thread(body="opening")
    make_reply(thread)
    third = make_reply(thread)
    response = client.fragment(f"/p/{third.id}")
    assert '<span class="post-number">#3</span>' in response.text


def test_post_actions_carry_an_icon_beside_their_words_with_reply_first(client, member):
    thread = make_thread(body="opening")
    mine = make_reply(thread, author=member, body="mine")
    page = client.get(thread_url(thread)).text
    actions = article(page, mine.id)
    labels = re.findall(r'<use href="#icon-(\w+)"/></svg>(\w+)', actions)
    assert labels == [("reply", "Reply"), ("quote", "Quote"), ("edit", "Edit"), ("delete", "Delete")]
    theirs = article(page, mine.id - 1)
    assert [label for _, label in re.findall(r'<use href="#icon-(\w+)"/></svg>(\w+)', theirs)] == \
        ["Reply", "Quote", "Like", "React", "Flag"]
    # The icons are drawn once in the page, hidden from screen readers: the words name the actions.
    for name in ("reply", "quote", "like", "react", "edit", "delete", "flag"):
        assert page.count(f'<symbol id="icon-{name}"') == 1
    assert 'class="icon" aria-hidden="true" focusable="false"' in actions


def test_the_edit_form_keeps_the_posts_header_and_puts_cancel_beside_save(client, member):
    thread = make_thread(body="opening")
    reply = make_reply(thread, author=member, body="first draft")
    form = client.fragment(f"/p/{reply.id}/edit").text
    assert '<span class="post-number">#2</span>' in form and "<bdi>Susan T.</bdi>" in form
    actions = form[form.index('<div class="actions">'):]
    actions = actions[:actions.index("</form>")]
    assert "Save changes</button>" in actions and ">Preview</button>" in actions and ">Cancel</a>" in actions


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_edit_preview_renders_the_text_without_saving_it(client, member, htmx):
    thread = make_thread(body="opening")
    reply = make_reply(thread, author=member, body="first draft")
    response = client.submit(f"/p/{reply.id}/edit/preview", {"body": "**second** thoughts", "version": "1"},
                             htmx=htmx)
    assert response.status_code == 200
    assert "<strong>second</strong> thoughts" in response.text
    if htmx:
        assert "<textarea" not in response.text  # only the preview region is replaced: the text stays as typed
    else:
        assert "**second** thoughts</textarea>" in response.text  # the page keeps what was typed
    assert db.session.get(Post, reply.id).body == "first draft"


def test_edit_preview_is_only_for_the_posts_author(client, member):
    thread = make_thread(body="opening")
    other = make_reply(thread, body="not yours")
    response = client.submit(f"/p/{other.id}/edit/preview", {"body": "mine now", "version": "1"})
    assert response.status_code == 403


def test_thread_lists_show_who_posted_last_with_their_picture(client):
    starter, last = make_user(display_name="Dana Whitfield"), make_user(display_name="Bea M.")
    give_picture(last)
    thread = make_thread(author=starter, title="Elm Street branch")
    make_reply(thread, author=make_user())
    make_reply(thread, author=last)
    for url in ("/", f"/c/{thread.category.slug}"):
        row = client.get(url).text
        row = row[row.index('<li class="thread-row">'):row.index("</li>", row.index('<li class="thread-row">'))]
        assert "started by <bdi>Dana Whitfield</bdi>" in row
        assert f'src="/avatars/uploads/{UPLOAD.format(id=last.id)}"' in row
        assert 'last post by <bdi class="last-poster">Bea M.</bdi>' in row


def test_thread_list_query_count_does_not_grow_with_last_posters(client, queries):
    def count(threads):
        for _ in range(threads):
            make_reply(make_thread(author=make_user()), author=make_user())
        queries.clear()
        assert client.get("/").status_code == 200
        return len(queries)

    assert count(2) == count(20)


def test_members_only_threads_carry_the_pill_inline_in_the_list(client, member):
    lounge = make_category(name="Members' Lounge", slug="lounge", members_only=True)
    make_thread(category=lounge, title="Coffee meetup")
    home = client.get("/").text
    row = home[home.index('<li class="thread-row">'):]
    assert re.search(r'>Members&#39; Lounge</a> <span class="badge badge-members">Members only</span>\s*· started by', row)


def test_the_header_folds_search_and_account_links_into_a_menu_that_needs_no_script(client, member):
    page = client.get("/").text
    header = page[page.index('<header class="site-header">'):page.index("</header>")]
    menu = header[header.index('<details class="site-menu">'):header.index("</details>")]
    assert "Menu</summary>" in menu
    assert 'id="site-search-q"' in menu and "Sign out</button>" in menu and "New thread</a>" in menu


def test_a_deleted_last_post_does_not_name_its_author_as_the_last_poster(client):
    from forum.posts import service as posts
    bob, ann = make_user(display_name="Bob Baker"), make_user(display_name="Ann Archer")
    thread = make_thread(author=make_user(), title="Fence repairs")
    make_reply(thread, author=bob, body="I have a saw.")
    taken_back = make_reply(thread, author=ann, body="Never mind.")
    posts.delete_post(taken_back, ann)
    row = client.get("/").text
    row = row[row.index('<li class="thread-row">'):row.index("</li>", row.index('<li class="thread-row">'))]
    assert 'last post by <bdi class="last-poster">Bob Baker</bdi>' in row and "Ann Archer" not in row
