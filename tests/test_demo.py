"""The demo content: what seed_demo creates, how it is dated, and that its long thread shows the conversation."""

import re
import shutil
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask import current_app
from sqlalchemy import func, select

from forum.auth.service.accounts import NewAccount, register
from forum.demo import NEWCOMER, content, seed_demo
from forum.extensions import db
from forum.models import Category, Notification, Post, PostQuote, PostRevision, Thread, User
from forum.models.base import utcnow
from forum.posts.service import reactions
from forum.posts.service.render import HIDDEN_LINK
from tests.test_reaction_summaries import assert_summaries_match

pytestmark = pytest.mark.usefixtures("app")

SUMMARY = "5 categories, 15 members, 14 threads, 132 posts"
DATA_QUOTE = re.compile(r'<blockquote class="quote" data-quote="(\d+)">')
DELETED = '<p class="placeholder">This post was deleted by its author.</p>'


def _posts_of(thread):
    return list(db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.id)))


def _long_thread():
    return db.session.scalar(select(Thread).order_by(Thread.post_count.desc()).limit(1))


def _thread_html(client, thread) -> str:
    """Every page of the thread as a guest sees it, joined."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    pages = []
    for number in range(1, (thread.post_count - 1) // per_page + 2):
        response = client.get(f"/t/{thread.id}-{thread.slug}?page={number}")
        assert response.status_code == 200
        pages.append(response.text)
    return "\n".join(pages)


class QuoteShape(HTMLParser):
    """Where the quotes in a page are: each quote's post id and depth, and the quotes holding a placeholder."""

    def __init__(self):
        super().__init__()
        self.stack: list[str | None] = []  # data-quote of each open blockquote (None: a plain one)
        self.quotes: list[tuple[int, int]] = []  # (quoted post id, nesting depth)
        self.collapsed: list[int] = []  # quoted post ids whose quote shows a placeholder instead

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "blockquote":
            self.stack.append(attrs.get("data-quote") if attrs.get("class") == "quote" else None)
            if self.stack[-1]:
                self.quotes.append((int(self.stack[-1]), sum(1 for q in self.stack if q)))
        elif tag == "p" and attrs.get("class") == "placeholder" and self.stack and self.stack[-1]:
            self.collapsed.append(int(self.stack[-1]))

    def handle_endtag(self, tag):
        if tag == "blockquote":
            self.stack.pop()


def _shape(html: str) -> QuoteShape:
    parser = QuoteShape()
    parser.feed(html)
    return parser


def test_seed_demo_fills_an_empty_forum():
    summary = seed_demo()

    assert summary == SUMMARY
    assert db.session.scalar(select(func.count(Category.id))) == 5
    assert db.session.scalar(select(func.count(Thread.id))) >= 12
    assert db.session.scalar(select(func.count(User.id))) == 15
    long_thread = _long_thread()
    assert long_thread.post_count >= 36
    assert long_thread.category.name == "News & Articles"
    bodies = [post.body for post in _posts_of(long_thread)]
    assert any(line.startswith("> > [") for body in bodies for line in body.splitlines())
    assert any(re.match(r"> \[[^]]+\]\(/p/\d+\) wrote:\n", body) for body in bodies[1:])
    assert any(name in body for body in bodies for name in ("Lou D,", "Susan T,", "Jose L,"))


def test_article_links_to_two_earlier_threads():
    seed_demo()
    article = _posts_of(_long_thread())[0].body

    linked = {int(part.split()[0]) for part in article.split("/t/")[1:]}
    assert len(linked) == 2
    assert all(db.session.get(Thread, thread_id) is not None for thread_id in linked)
    assert "Photo" in article


def test_demo_threads_are_consistent_and_backdated():
    seed_demo()
    now = utcnow()
    threads = list(db.session.scalars(select(Thread)))

    for thread in threads:
        times = [post.created_at for post in _posts_of(thread)]
        assert thread.post_count == len(times)
        assert all(earlier < later for earlier, later in zip(times, times[1:])), thread.title
        assert thread.created_at == times[0]
        assert thread.last_post_at == times[-1] <= now
    oldest = min(thread.created_at for thread in threads)
    assert timedelta(days=2 * 365) < now - oldest < timedelta(days=3 * 365)
    assert now - _long_thread().last_post_at < timedelta(days=2)


def test_members_joined_before_their_first_post():
    seed_demo()
    now = utcnow()

    for user in db.session.scalars(select(User)):
        first = db.session.scalar(select(func.min(Post.created_at)).where(Post.author_id == user.id))
        assert user.created_at < first, user.username
    rhonda = db.session.scalar(select(User).where(User.username == "rhonda_b"))
    assert (rhonda.display_name, rhonda.name_style, rhonda.public_name) == ("Rhonda Bird", "short", "Rhonda B.")
    newcomer = db.session.scalar(select(User).where(User.username == NEWCOMER))
    assert now - newcomer.created_at < timedelta(days=current_app.config["NEW_MEMBER_MIN_DAYS"])


def test_seed_demo_twice_reuses_categories_and_members():
    lou = register(NewAccount("lou_d", "Lou", "lou@elsewhere.example", "a long enough password"))
    seed_demo()
    seed_demo()

    assert db.session.scalar(select(func.count(Category.id))) == 5
    assert db.session.scalar(select(func.count(Thread.id))) == 28
    assert db.session.scalar(select(func.count(User.id))) == 15
    assert db.session.scalar(select(func.count(Post.id)).where(Post.author_id == lou.id)) > 20


def test_long_thread_pages_render(client):
    seed_demo()
    thread = _long_thread()
    url = f"/t/{thread.id}-{thread.slug}"

    first = client.get(url)
    assert first.status_code == 200
    assert "days ago" in first.text
    second = client.get(url + "?page=2")
    assert second.status_code == 200
    assert second.text.count('<article class="post') == 20


def test_article_quotes_are_real_and_nest_three_deep(client):
    seed_demo()
    thread = _long_thread()
    posts = _posts_of(thread)
    shape = _shape(_thread_html(client, thread))

    ids = {post.id for post in posts}
    assert len(shape.quotes) >= 20
    assert {quoted for quoted, _ in shape.quotes} <= ids
    assert max(depth for _, depth in shape.quotes) >= 3
    assert "&gt; Lou D. wrote:" not in "".join(post.body_html for post in posts)
    in_html = {(post.id, int(n)) for post in posts for n in DATA_QUOTE.findall(post.body_html)}
    rows = db.session.execute(
        select(PostQuote.post_id, PostQuote.quoted_post_id).where(PostQuote.post_id.in_(ids))
    )
    stored = {(post_id, quoted_id) for post_id, quoted_id in rows}
    assert in_html == stored


def test_article_replies_answer_posts(client):
    seed_demo()
    thread = _long_thread()
    posts = _posts_of(thread)

    answering = [post for post in posts if post.parent_id is not None]
    assert len(answering) >= len(posts) // 2
    assert all(post.parent.thread_id == thread.id and post.parent_id < post.id for post in answering)
    html = _thread_html(client, thread)
    assert html.count('class="in-reply-to">in reply to') == len(answering)
    assert '<p class="replies">' in html


def test_article_mentions_link_and_notify(client):
    seed_demo()
    thread = _long_thread()
    html = _thread_html(client, thread)

    mentioned = set(re.findall(r'<a href="/u/([a-z0-9_-]+)" class="mention"', html))
    assert len(mentioned) >= 3
    for username in mentioned:
        member = db.session.scalar(select(User).where(User.username == username))
        notified = select(func.count(Notification.id)).where(
            Notification.user_id == member.id, Notification.kind == "mention",
            Notification.post_id.in_([post.id for post in _posts_of(thread)]),
        )
        assert db.session.scalar(notified) >= 1, username


def test_short_names_show_and_full_names_never_reach_guests(client):
    seed_demo()
    thread = _long_thread()
    html = _thread_html(client, thread)

    writers = db.session.scalars(select(User).where(User.id.in_({post.author_id for post in _posts_of(thread)})))
    short = [user for user in writers if user.name_style == "short"]
    assert len(short) >= 5
    for user in short:
        assert user.public_name in html
        assert user.display_name not in html
    assert "Rhonda B." in html and "Rhonda Bird" not in html


def test_only_the_newcomers_link_is_hidden(client):
    seed_demo()
    thread = _long_thread()
    posts = _posts_of(thread)
    html = _thread_html(client, thread)

    assert html.count(HIDDEN_LINK) == 1
    hidden = [post for post in posts if HIDDEN_LINK in post.body_html]
    assert [post.author.username for post in hidden] == [NEWCOMER]
    assert not hidden[0].links_allowed
    assert all(post.links_allowed for post in posts if post.author.username != NEWCOMER)
    assert re.search(r'<a href="https://[^"]+"', html)


def test_a_deleted_post_leaves_a_placeholder_and_its_quote_collapses(client):
    seed_demo()
    thread = _long_thread()
    deleted = [post for post in _posts_of(thread) if post.is_removed]
    html = _thread_html(client, thread)

    assert [post.removal for post in deleted] == ["author"]
    assert f'id="p{deleted[0].id}"' in html
    assert html.count(DELETED) >= 2
    assert _shape(html).collapsed == [deleted[0].id]
    quoting = select(func.count(PostQuote.post_id)).where(PostQuote.quoted_post_id == deleted[0].id)
    assert db.session.scalar(quoting) == 1


def test_an_edit_after_the_grace_period_keeps_a_revision(client):
    seed_demo()
    thread = _long_thread()
    edited = [post for post in _posts_of(thread) if post.edited_at is not None]

    assert len(edited) == 1
    post = edited[0]
    grace = timedelta(seconds=current_app.config["EDIT_GRACE_SECONDS"])
    assert post.created_at + grace < post.edited_at < utcnow()
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id))
    assert revision.body != post.body and post.body.startswith(revision.body)
    assert 'class="edited"' in _thread_html(client, thread)


def test_the_demo_shows_what_posts_can_hold(client):
    """A photo (drawn and uploaded as its author), a table, coloured code, a spoiler, emoji, and reactions
    given by name in the content, each where a member would have written it."""
    seed_demo()
    threads = {thread.title.split()[0]: thread for thread in db.session.scalars(select(Thread))}
    moss = _thread_html(client, threads["Best"])
    image = re.search(r'<img src="(/uploads/[0-9a-f]{64}(?:-display)?\.webp)" alt="Our patio from above[^"]*" '
                      r'width="\d+" height="\d+" loading="lazy"', moss)
    assert image, "the photo is shown, sized and lazy"
    shown = client.get(image.group(1))
    shown.close()
    assert shown.status_code == 200 and "image hidden" not in moss
    hours = _thread_html(client, threads["Elm"])
    assert "<table>" in hours and '<td class="align-left">Closed</td>' in hours
    dark = _thread_html(client, threads["Dark"])
    assert '<pre class="highlight" tabindex="0"><code><span class="p">@</span><span class="k">media</span>' in dark
    laptop = _thread_html(client, threads["Laptop"])
    assert "dollars. 🎉" in laptop and ":tada:" not in laptop
    assert re.search(r'<details class="spoiler"><summary>How it ends, if you haven(\'|&#39;)t seen it</summary>',
                     _thread_html(client, threads["Films"]))
    oskar = db.session.scalar(select(Post).where(Post.thread_id == threads["Best"].id, Post.body.contains("{image")
                                                 | Post.body.contains("](/uploads/")))
    assert reactions.summary_of(oskar.reaction_summary) == {"like": 3, "🎉": 2}
    assert_summaries_match()


def test_seed_demo_command(app):
    result = app.test_cli_runner().invoke(args=["forum", "seed-demo"])

    assert result.exit_code == 0, result.output
    assert f"Demo content loaded: {SUMMARY}." in result.output
    assert db.session.scalar(select(func.count(Thread.id))) == 14


# What the demo wrote when its prose was Python literals in forum/demo.py: the data files must say the same.
TITLES_AND_POSTS = [
    ("Introduce yourself: who's here?", 9), ("Elm Street library hours cut to three days a week", 7),
    ("How do I quote someone in a reply?", 5), ("Best way to get rid of moss between patio stones?", 6),
    ("Dark mode, please?", 6), ("Films that stayed with you for days", 7),
    ("Laptop fan running constantly: what should I check?", 7),
    ("Friends of Elm Street Library: volunteer meeting notes", 4),
    ("Regulars' coffee meetup, first Saturday of the month", 3),
    ("Could we get email notifications for replies?", 5), ("Rainy day recipes: share your soup", 8),
    ("Bus 14 route change: which stop replaced Oak & 3rd?", 4), ("What are you reading this month?", 9),
    ("Council votes 5–4 to close the Elm Street branch library", 52),
]
CATEGORIES = [("news", "News & Articles", False), ("general", "General Discussion", False),
              ("help", "Help & Questions", False), ("feedback", "Site Feedback", False),
              ("lounge", "Members' Lounge", True)]
BUDGET = ("Because that's what a budget is. Money spent here isn't spent there. Honestly, the council never "
          "promised to keep every building open forever. It promised to run a library service, and longer "
          "hours at Central plus a van is a library service.")
SUSAN_VAN = ("That's fair, Tom, and I'd vote for the van tomorrow if it weren't paid for by closing a branch. "
             "The council is the one that tied them together.")


def test_seed_demo_writes_what_the_python_literals_wrote():
    seed_demo()
    threads = list(db.session.scalars(select(Thread).order_by(Thread.id)))
    categories = db.session.scalars(select(Category).order_by(Category.position))

    assert [(t.title, t.post_count) for t in threads] == TITLES_AND_POSTS
    assert [(c.slug, c.name, c.members_only) for c in categories] == CATEGORIES
    walt = db.session.scalar(select(User).where(User.username == "walt_h"))
    assert (walt.display_name, walt.email, walt.name_style) == ("Walt Hendricks", "walt.h@example.com", "short")
    intro = [post.body for post in _posts_of(threads[0])]
    assert intro[7] == (f"> [Kenji Watanabe](/p/{_posts_of(threads[0])[6].id}) wrote:\n"
                        "> Still learning which bakery is the good one.\n\n"
                        "Halvorsen's on 2nd. Go before 9 or the cardamom buns are gone. Welcome!")
    article = _posts_of(threads[-1])
    ids = [post.id for post in article]
    assert article[0].body.startswith("By Dana Whitfield\n\nThe city council voted 5–4 on Tuesday night")
    assert article[0].body.endswith(f"When the hours were cut: /t/{threads[1].id}\n"
                                    f"Friends of Elm Street Library, volunteer meeting notes: /t/{threads[7].id}")
    quoted_whole = (f"> [Susan T.](/p/{ids[14]}) wrote:\n> > [Tom Okafor](/p/{ids[13]}) wrote:\n"
                    f"> > It doesn't have to be Elm Street versus the van.\n>\n> {SUSAN_VAN}\n\n{BUDGET}")
    assert article[15].body == quoted_whole
    assert article[16].body.startswith(f"> [Lou D.](/p/{ids[15]}) wrote:\n> > [Susan T.](/p/{ids[14]}) wrote:\n")
    assert article[16].body.endswith("> Because that's what a budget is. Money spent here isn't spent there.\n\n"
                                     "I see my own words are three quotes deep now. Lou, I said it doesn't *have* "
                                     "to be one or the other. You're right that a budget is choices; I'd just like "
                                     "the council to admit it made this one.")
    assert article[4].body.endswith("reports/elm-street-branch-review.pdf\n\n"
                                    "Edit: the van is $285K, not $258K. My typo, sorry.")


def test_the_loader_reads_every_data_file():
    loaded = content.load()
    thread_files = sorted((content.DATA / "threads").glob("*.toml"))

    assert sorted(content.DATA.rglob("*.toml")) == sorted([content.DATA / "forum.toml", *thread_files])
    assert [thread.key for thread in loaded.threads] == [path.stem.partition("-")[2] for path in thread_files]
    assert [(thread.title, len(thread.replies) + 1) for thread in loaded.threads] == TITLES_AND_POSTS
    assert (len(loaded.categories), len(loaded.members), loaded.newcomer) == (5, 15, NEWCOMER)
    assert all(reply.body and reply.body == reply.body.strip() for t in loaded.threads for reply in t.replies)


def test_the_loader_refuses_a_misspelt_field(tmp_path):
    shutil.copytree(content.DATA, tmp_path / "data")
    soup = tmp_path / "data" / "threads" / "11-soup.toml"
    soup.write_text(soup.read_text().replace('author = "jose_l"', 'author = "jose_l"\nqoute = { post = "soup" }', 1))

    with pytest.raises(ValueError, match="11-soup.toml: unknown field.* qoute"):
        content.load(tmp_path / "data")
