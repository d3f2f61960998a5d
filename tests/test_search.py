"""Search: what it finds (titles, post text), what it never shows (removed posts, removed threads to
members, members-only threads to guests), filters, pages, and page and fragment answers."""

import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post
from forum.moderation.service import flags
from forum.moderation.service import threads as thread_moderation
from forum.posts import service as posts
from forum.search import service as search_service
from tests.factories import make_category, make_reply, make_thread, make_user



def results(response) -> str:
    """The results region of a search page or fragment (up to the end of the page's search section)."""
    assert response.status_code == 200, response.text
    return response.text[response.text.index('<div id="search-results"'):].split("</section>")[0]


def search(client, q, **args):
    return results(client.get("/search", query_string={"q": q, **args}))


def test_finds_a_thread_by_its_title_and_a_post_by_its_text(client):
    thread = make_thread(title="Sourdough starter troubles", body="My loaf will not rise.")
    reply = make_reply(thread, body="Feed the starter twice a day with rye flour.")

    by_title = search(client, "sourdough")
    assert "1 result for" in by_title
    assert f'href="/t/{thread.id}-{thread.slug}"' in by_title
    assert "<mark>Sourdough</mark> starter troubles" in by_title

    by_text = search(client, "rye flour")
    assert f'href="/p/{reply.id}"' in by_text
    assert "<mark>rye</mark> <mark>flour</mark>" in by_text
    assert "Sourdough starter troubles" in by_text  # the thread it is in

    both = search(client, "starter")  # in the title, and in the reply
    assert "2 results for" in both


def test_excerpts_read_as_the_page_shows_the_post_not_as_markdown(client):
    thread = make_thread(title="Bakeries", body="Which one is best?")
    someone = make_user(display_name="Someone")
    asked = make_reply(thread, author=someone, body="Still looking for a **proper** croissant.")
    # The Markdown names whoever the quoter typed; the page (and so the excerpt) names the author.
    make_reply(thread, body=f"> [Whoever](/p/{asked.id}) wrote:\n> a proper croissant\n\n"
                            "Try `Halvorsen's` [croissant](/c/menu) &amp; more.")
    found = search(client, "Halvorsen")
    excerpt = re.search(r'<p class="search-excerpt">(.*?)</p>', found, re.S).group(1)
    assert excerpt == ("Someone wrote: a proper croissant Try <mark>Halvorsen</mark>&#39;s croissant &amp; more.")
    assert "0 results for" in search(client, "whoever") and "0 results for" in search(client, "menu")


def test_words_are_found_in_any_form(client):
    make_thread(title="Garden", body="The tomatoes are ripening early this year.")
    assert "1 result for" in search(client, "tomato ripened")  # stemmed, on SQLite and PostgreSQL


def test_a_page_has_the_form_and_the_results_a_fragment_only_the_results(client):
    make_thread(title="Kayak routes", body="Paddle along the coast.")
    page = client.get("/search?q=kayak")
    assert page.status_code == 200
    assert "<html" in page.text and 'role="search"' in page.text
    assert 'data-hx-get="/search"' in page.text and 'data-hx-target="#search-results"' in page.text
    assert 'data-hx-push-url="true"' in page.text and 'action="/search" method="get"' in page.text
    assert '<label for="search-q">' in page.text and 'value="kayak"' in page.text
    assert "<mark>Kayak</mark> routes" in page.text

    fragment = client.fragment("/search?q=kayak")
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="search-results"')
    assert "<html" not in fragment.text and 'role="search"' not in fragment.text
    assert "<mark>Kayak</mark> routes" in fragment.text
    assert 'id="flash"' in fragment.text  # the flash region rides along
    for response in (page, fragment):
        assert {"HX-Request", "HX-Request-Type"} <= set(response.vary)


def test_an_empty_search_shows_the_form_and_no_results(client):
    make_thread(title="Anything at all", body="Some text.")
    for url in ("/search", "/search?q=", "/search?q=+++", "/search?q=&category=&author="):
        page = client.get(url)
        assert page.status_code == 200
        assert 'id="search-q"' in page.text and "Type a word or two" in page.text
        assert "results for" not in results(page) and "search-hit" not in results(page)


def test_every_page_has_a_labelled_search_form_in_the_header(client):
    page = client.get("/")
    header = page.text[page.text.index('<header class="site-header">'):page.text.index("</header>")]
    assert 'role="search"' in header and 'action="/search" method="get"' in header
    assert '<label class="visually-hidden" for="site-search-q">' in header
    assert 'id="site-search-q" name="q"' in header


def test_an_edit_updates_the_index(client):
    thread = make_thread(title="Weekend plans", body="We could go hiking.")
    reply = make_reply(thread, body="Let us take the ferry to the island.")
    assert "1 result for" in search(client, "ferry")

    posts.edit_post(reply, reply.author, "Let us take the train to the mountains.", None)

    assert "0 results for" in search(client, "ferry")
    assert f'href="/p/{reply.id}"' in search(client, "train mountains")


def test_a_post_its_author_deleted_is_never_found(client):
    thread = make_thread(title="Weekend plans", body="We could go hiking.")
    reply = make_reply(thread, body="My phone number is secret-ish: call about the walrus.")
    assert "1 result for" in search(client, "walrus")

    posts.delete_post(reply, reply.author)

    assert "0 results for" in search(client, "walrus")
    client.sign_in(reply.author)  # not even for its author
    assert "0 results for" in search(client, "walrus")


def test_a_post_a_moderator_hid_is_not_found_until_restored(client):
    moderator = make_user(role="moderator")
    thread = make_thread(title="Weekend plans", body="We could go hiking.")
    reply = make_reply(thread, body="Something rude about pelicans.")

    flags.hide_post(moderator, reply, "Rude.")
    assert "0 results for" in search(client, "pelicans")
    client.sign_in(moderator)
    assert "0 results for" in search(client, "pelicans")

    flags.restore_post(moderator, reply)
    assert "1 result for" in search(client, "pelicans")


def test_a_thread_a_moderator_removed_is_found_by_staff_only(client):
    moderator = make_user(role="moderator")
    thread = make_thread(title="Spam about lottery winnings", body="Click for lottery money.")
    thread_moderation.remove(moderator, thread, "Spam.")

    assert "0 results for" in search(client, "lottery")
    client.sign_in(make_user())
    assert "0 results for" in search(client, "lottery")
    client.sign_in(moderator)
    staff_sees = search(client, "lottery")
    assert "2 results for" in staff_sees and "Removed thread" in staff_sees


def test_members_only_threads_are_found_by_members_and_never_by_guests(client):
    lounge = make_category(slug="lounge", name="Lounge", members_only=True)
    make_thread(category=lounge, title="Secret espresso plans", body="Espresso at nine, lounge only.")
    make_thread(title="Public espresso talk", body="Anyone may read this.")

    guest = search(client, "espresso")
    assert "1 result for" in guest and "Secret" not in guest and "lounge only" not in guest
    page = client.get("/search?q=espresso")
    assert 'value="lounge"' not in page.text  # not offered as a filter either
    assert "There is no such category." in search(client, "espresso", category="lounge")
    assert "0 results for" in search(client, "espresso", category="lounge")

    client.sign_in(make_user())
    member = search(client, "espresso")
    assert "3 results for" in member and "Secret <mark>espresso</mark> plans" in member
    assert 'value="lounge"' in client.get("/search?q=espresso").text
    assert "2 results for" in search(client, "espresso", category="lounge")


def test_filters_by_category(client):
    bikes, boats = make_category(slug="bikes", name="Bikes"), make_category(slug="boats", name="Boats")
    make_thread(category=bikes, title="Wheels", body="Carbon frames are light.")
    make_thread(category=boats, title="Hulls", body="Carbon hulls are light too.")

    assert "2 results for" in search(client, "carbon")
    only_boats = search(client, "carbon", category="boats")
    assert "1 result for" in only_boats
    assert "Hulls" in only_boats and "Wheels" not in only_boats
    assert "There is no such category." in search(client, "carbon", category="nope")


def test_filters_by_author(client):
    ada, bob = make_user(username="ada"), make_user(username="bob")
    thread = make_thread(author=ada, title="Compilers", body="Parsing is fun.")
    make_reply(thread, author=bob, body="Parsing is hard.")

    assert "2 results for" in search(client, "parsing")
    by_bob = search(client, "parsing", author="bob")
    assert "1 result for" in by_bob and "hard" in by_bob and "fun" not in by_bob
    assert "1 result for" in search(client, "parsing", author="@ADA")  # as typed in a mention, any case
    assert "1 result for" in search(client, "compilers", author="ada")  # the thread she started
    assert "0 results for" in search(client, "compilers", author="bob")
    nobody = search(client, "parsing", author="nobody-here")
    assert "No member is called “nobody-here”." in nobody and "0 results for" in nobody


def test_names_are_shown_as_the_reader_may_see_them(client):
    rhonda = make_user(display_name="Rhonda Bird", name_style="short")
    make_thread(author=rhonda, title="Birdsong", body="The wren sings loudest.")
    shown = search(client, "wren")
    assert "<bdi>Rhonda B.</bdi>" in shown and "Bird<" not in shown


def test_results_come_in_pages(app, client):
    app.config["SEARCH_PER_PAGE"] = 2
    thread = make_thread(title="Counting", body="One quokka.")
    for n in range(4):
        make_reply(thread, body=f"Quokka number {n}.")

    first = search(client, "quokka")
    assert "5 results for" in first and first.count('class="search-hit"') == 2
    assert 'href="/search?page=2&amp;q=quokka"' in first or 'href="/search?q=quokka&amp;page=2"' in first
    last = results(client.fragment("/search?q=quokka&page=3"))
    assert last.count('class="search-hit"') == 1
    assert client.get("/search?q=quokka&page=4").status_code == 404


def test_best_match_first_and_newest_first_on_a_tie(client):
    thread = make_thread(title="Fruit", body="Kiwi kiwi kiwi, all kiwi.")  # the oldest, and the best match
    older = make_reply(thread, body="A kiwi in a long sentence about many other fruits and vegetables.")
    newer = make_reply(thread, body="A kiwi in a long sentence about many other fruits and vegetables.")
    found = search(client, "kiwi")
    order = [int(n) for n in re.findall(r'href="/p/(\d+)"', found)]
    assert order == [thread_opening_post_id(thread), newer.id, older.id]


def test_only_the_newest_matches_are_ranked_and_the_reader_is_told(client, monkeypatch):
    monkeypatch.setattr(search_service, "RANKED_MAX", 2)
    # The best matching post, but the oldest:
    thread = make_thread(title="All about the gnu", body="Gnu gnu gnu gnu, all about the gnu.")
    replies = [make_reply(thread, body=f"A gnu in a longer reply, number {n}.") for n in range(3)]
    found = search(client, "gnu")
    assert "More than 3 results for “gnu”" in found and "Add a word" in found
    shown = [int(n) for n in re.findall(r'href="/p/(\d+)"', found)]
    assert shown == [replies[2].id, replies[1].id]
    assert f'href="/t/{thread.id}-{thread.slug}"' in found  # the title: ranked among the titles


def thread_opening_post_id(thread) -> int:
    return db.session.scalar(select(func.min(Post.id)).where(Post.thread_id == thread.id))


def test_the_number_of_queries_does_not_grow_with_the_results(client, queries):
    thread = make_thread(title="Otters", body="Otters hold hands.")
    make_reply(thread, body="Otters sleep on water.")
    queries.clear()
    assert "3 results for" in search(client, "otters")
    few = len(queries)
    for n in range(8):
        make_reply(thread, author=make_user(), body=f"Otters, fact {n}.")
    queries.clear()
    found = search(client, "otters")
    assert "11 results for" in found
    assert len(queries) == few
