"""The model conversation: Markdown, quoting, answering posts, mentions, names, drafts, history."""

import re

import pytest

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Draft, Notification, Post, PostQuote, User
from forum.models.base import utcnow
from forum.posts import service as posts
from forum.posts.service import drafts
from forum.posts.service.quoting import quote_markdown
from tests.conftest import HTMX
from tests.factories import make_reply, make_thread, make_user


def url_of(thread):
    return f"/t/{thread.id}-{thread.slug}"


def establish(user, days=30):
    """Make a member old enough that, with a few posts, their links are published."""
    from datetime import timedelta

    with write_transaction() as session:
        session.get(User, user.id).created_at = utcnow() - timedelta(days=days)


@pytest.fixture
def lou(client):
    user = make_user(username="lou_d", display_name="Lou Dobbs", name_style="short")
    return user


# Quoting


def test_quote_markdown_has_attribution_and_quoted_lines(lou):
    post = make_reply(make_thread(), author=lou, body="First line\nsecond line\n\nNew paragraph")
    text = quote_markdown(post)
    assert text == (f"> [Lou D.](/p/{post.id}) wrote:\n> First line\n> second line\n>\n"
                    "> New paragraph\n\n")


def test_quote_of_a_selection_quotes_only_that(lou):
    post = make_reply(make_thread(), author=lou, body="The council never costed the repair.")
    assert quote_markdown(post, "never costed") == f"> [Lou D.](/p/{post.id}) wrote:\n> never costed\n\n"


def test_quotes_nested_deeper_than_three_levels_are_trimmed_with_a_link(lou):
    body = "> > > level three\n> > > more\n> > level two\n> level one\nmine"
    post = make_reply(make_thread(), author=lou, body=body)
    lines = quote_markdown(post).splitlines()
    assert not any(line.startswith("> > > >") for line in lines)
    assert f"> > > [… earlier quotes trimmed](/p/{post.id})" in lines
    assert "> > > level two" in lines and "> > level one" in lines and "> mine" in lines


def test_quote_endpoint_serves_markdown_for_the_script(client, lou):
    post = make_reply(make_thread(), author=lou, body="hello there")
    client.sign_in(make_user())
    response = client.get(f"/p/{post.id}/quote?selection=there")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.text == f"> [Lou D.](/p/{post.id}) wrote:\n> there\n\n"


def test_a_removed_post_cannot_be_quoted(client, lou):
    post = make_reply(make_thread(), author=lou, body="gone")
    posts.delete_post(post, lou)
    client.sign_in(make_user())
    assert client.get(f"/p/{post.id}/quote").status_code == 404


def test_quotes_render_as_nested_blockquotes_with_attribution(client, lou):
    thread = make_thread()
    first = make_reply(thread, author=lou, body="Original point")
    second = make_reply(thread, body=quote_markdown(first) + "I disagree")
    third = make_reply(thread, body=quote_markdown(second) + "Both wrong")
    page = client.get(url_of(thread)).text
    html = db.session.get(Post, third.id).body_html
    outer = f'<blockquote class="quote" data-quote="{second.id}">'
    inner = f'<blockquote class="quote" data-quote="{first.id}">'
    assert outer in html and inner in html and html.index(outer) < html.index(inner)
    assert html in page
    assert f'<cite class="attribution"><a href="/p/{first.id}" class="attribution-link"' in page
    quoted = {(q.post_id, q.quoted_post_id) for q in db.session.scalars(db.select(PostQuote))}
    assert quoted == {(second.id, first.id), (third.id, second.id), (third.id, first.id)}


def test_deleting_a_quoted_post_collapses_its_quotes_to_the_placeholder(client, lou):
    thread = make_thread()
    original = make_reply(thread, author=lou, body="Something I regret")
    reply = make_reply(thread, body=quote_markdown(original) + "Quoting it")
    posts.delete_post(original, lou)
    html = db.session.get(Post, reply.id).body_html
    assert "Something I regret" not in html
    assert (f'<blockquote class="quote" data-quote="{original.id}">\n'
            '<p class="placeholder">This post was deleted by its author.</p>') in html
    assert "Something I regret" not in client.get(url_of(thread)).text


# Answering a post


def test_reply_page_without_javascript_prefills_quote_and_answered_post(client, lou):
    thread = make_thread()
    post = make_reply(thread, author=lou, body="answer me")
    client.sign_in(make_user())
    page = client.get(f"/p/{post.id}/reply?quote=1").text
    assert f'name="parent_id" type="hidden" value="{post.id}"' in page
    assert f"&gt; [Lou D.](/p/{post.id}) wrote:\n&gt; answer me" in page
    assert "Reply to <bdi>Lou D.</bdi>" in page


def test_a_reply_to_a_post_says_so_and_the_post_lists_it(client, lou):
    thread = make_thread()
    post = make_reply(thread, author=lou, body="answer me")
    susan = make_user(display_name="Susan T.")
    client.sign_in(susan)
    response = client.submit(f"/t/{thread.id}/reply", {"body": "answered", "parent_id": str(post.id)})
    reply = db.session.scalar(db.select(Post).order_by(Post.id.desc()))
    assert response.status_code == 302 and reply.parent_id == post.id
    page = client.get(url_of(thread)).text
    assert f'in reply to <a href="/p/{post.id}"><bdi>Lou D.</bdi></a>' in page
    assert re.search(rf'Reply from\s*<a href="/p/{reply.id}"><bdi>Susan T.</bdi></a>', page)


def test_an_answered_post_from_another_thread_is_ignored(client, lou):
    elsewhere = make_reply(make_thread(), author=lou)
    thread = make_thread()
    client.sign_in(make_user())
    client.submit(f"/t/{thread.id}/reply", {"body": "hi", "parent_id": str(elsewhere.id)})
    assert db.session.scalar(db.select(Post).order_by(Post.id.desc())).parent_id is None


# Preview, drafts, double submission


def test_preview_as_page_shows_rendered_text_and_keeps_it_in_the_form(client):
    thread = make_thread()
    client.sign_in(make_user())
    response = client.submit(f"/t/{thread.id}/preview", {"body": "**bold** move"})
    assert response.status_code == 200
    assert '<div class="post-body" data-hx-ignore><p><strong>bold</strong> move</p>' in response.text
    assert re.search(r">\s*\*\*bold\*\* move</textarea>", response.text)
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 1


def test_preview_as_fragment_is_the_preview_alone(client):
    thread = make_thread()
    client.sign_in(make_user())
    response = client.submit(f"/t/{thread.id}/preview", {"body": "_soft_"}, htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<h3 class="preview-heading">Preview</h3>')
    assert "<em>soft</em>" in response.text and "<textarea" not in response.text


def test_drafts_are_kept_restored_and_cleared_when_posted(client):
    thread = make_thread()
    member = make_user()
    client.sign_in(member)
    saved = client.submit(f"/t/{thread.id}/draft", {"body": "half a thought"}, htmx=True)
    assert saved.status_code == 204
    assert re.search(r">\s*half a thought</textarea>", client.get(url_of(thread)).text)
    client.submit(f"/t/{thread.id}/reply", {"body": "the whole thought"})
    assert db.session.get(Draft, (member.id, thread.id)) is None
    assert "half a thought" not in client.get(url_of(thread)).text


def test_two_saves_of_a_new_draft_at_once_keep_the_later_text(client, monkeypatch):
    """The second save of a new draft found no row, but the first made one before it wrote (PostgreSQL lets
    both read at once): it writes over that row instead of failing with a 500."""
    thread = make_thread()
    member = make_user()
    client.sign_in(member)
    client.submit(f"/t/{thread.id}/draft", {"body": "the first save"}, htmx=True)
    unseen = iter([True])
    real = drafts.stored_draft
    monkeypatch.setattr(drafts, "stored_draft", lambda *args: None if next(unseen, False) else real(*args))
    saved = client.submit(f"/t/{thread.id}/draft", {"body": "the second save"}, htmx=True)
    assert saved.status_code == 204
    db.session.expire_all()
    assert db.session.get(Draft, (member.id, thread.id)).body == "the second save"


def test_an_emptied_composer_forgets_its_draft(client):
    thread = make_thread()
    member = make_user()
    client.sign_in(member)
    client.submit(f"/t/{thread.id}/draft", {"body": "something"})
    client.submit(f"/t/{thread.id}/draft", {"body": "  "})
    assert db.session.get(Draft, (member.id, thread.id)) is None


def test_a_restored_draft_shows_its_reply_target_with_a_cancel_that_works_without_javascript(client):
    """After a reload the composer said "Replying to Lou D." with no way out, and the next reply went
    "in reply to Lou D.": the restored target has its Cancel, a plain submit button without JavaScript."""
    thread = make_thread()
    lou = make_reply(thread, author=make_user(display_name="Lou Daniels", name_style="short"))
    client.sign_in(make_user())
    client.submit(f"/t/{thread.id}/draft", {"body": "About the bridge", "parent_id": str(lou.id)}, htmx=True)
    page = client.get(url_of(thread)).text
    context = re.search(r'<p id="reply-context" class="reply-context">(.*?)</p>', page, re.S).group(1)
    assert "Replying to" in context and "<bdi>Lou D.</bdi>" in context
    cancel = f'formaction="/t/{thread.id}/draft?answer=none">Cancel</button>'
    assert '<button type="submit" class="link cancel-answer" formnovalidate' in context and cancel in context
    back = client.submit(f"/t/{thread.id}/draft?answer=none", {"body": "About the bridge", "parent_id": str(lou.id)})
    assert back.status_code == 303 and back.location == f"/t/{thread.id}-{thread.slug}#reply-form"
    page = client.get(back.location).text
    assert re.search(r'<p id="reply-context" class="reply-context" hidden>\s*</p>', page)
    assert re.search(r">\s*About the bridge</textarea>", page)  # the text is kept
    client.submit(f"/t/{thread.id}/reply", {"body": "About the bridge, generally.",
                                           "parent_id": re.search(r'id="reply-parent" name="parent_id" type="hidden" '
                                                                  r'value="([^"]*)"', page).group(1)})
    assert db.session.scalar(db.select(Post.parent_id).where(Post.body == "About the bridge, generally.")) is None


def test_drafts_survive_signing_out_and_in_again(client):
    thread = make_thread()
    member = make_user()
    client.sign_in(member)
    client.submit(f"/t/{thread.id}/draft", {"body": "before my session ended"})
    client.submit("/logout")
    client.sign_in(member)
    assert re.search(r">\s*before my session ended</textarea>", client.get(url_of(thread)).text)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_repeated_submission_posts_once(client, htmx):
    thread = make_thread()
    client.sign_in(make_user())
    data = {"body": "only once", "request_key": "composer-key-1"}
    first = client.submit(f"/t/{thread.id}/reply", data, htmx=htmx)
    second = client.submit(f"/t/{thread.id}/reply", data, htmx=htmx)
    assert db.session.scalar(db.select(db.func.count(Post.id)).where(Post.body == "only once")) == 1
    if htmx:
        assert first.status_code == 201 and second.status_code == 200
        assert "<hx-partial" not in second.text  # nothing appended twice
    else:
        assert first.location == second.location


def test_each_fresh_composer_has_its_own_key(client):
    thread = make_thread()
    client.sign_in(make_user())
    keys = [re.search(r'name="request_key" type="hidden" value="([^"]+)"', client.get(url_of(thread)).text).group(1)
            for _ in range(2)]
    assert keys[0] != keys[1] and len(keys[0]) >= 16


# Mentions


def test_mentions_link_and_notify_existing_members_only(client, lou):
    thread = make_thread()
    susan = make_user(username="susan_t")
    writer = make_user()
    client.sign_in(writer)
    client.submit(f"/t/{thread.id}/reply", {"body": f"@lou_d and @Susan_T, not @nobody or @{writer.username}"})
    page = client.get(url_of(thread)).text
    assert '<a href="/u/lou_d" class="mention" rel="nofollow ugc noopener noreferrer">@lou_d</a>' in page
    assert '<a href="/u/susan_t" class="mention"' in page and "@nobody" in page
    notified = {n.user_id for n in db.session.scalars(db.select(Notification))}
    assert notified == {lou.id, susan.id}


def test_mentions_are_capped_per_post(app, client):
    app.config["MAX_MENTIONS"] = 2
    members = [make_user(username=f"pal{n}x") for n in range(4)]
    thread = make_thread()
    posts.add_reply(thread, make_user(), " ".join(f"@{m.username}" for m in members))
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 2


def test_an_edit_notifies_only_newly_mentioned_members(app, lou):
    app.config["EDIT_GRACE_SECONDS"] = 0
    writer = make_user()
    susan = make_user(username="susan_t")
    post = posts.add_reply(make_thread(), writer, "hi @lou_d")
    posts.edit_post(post, writer, "hi @lou_d and @susan_t", 1)
    kinds = sorted(n.user_id for n in db.session.scalars(db.select(Notification)))
    assert kinds == sorted([lou.id, susan.id])


def test_suggestions_for_an_at_name(client):
    make_user(username="louise", display_name="Louise Park")
    make_user(username="lou_d", display_name="Lou Dobbs", name_style="short")
    make_user(username="susan")
    client.sign_in(make_user())
    fragment = client.get("/members/suggest?q=Lou", headers=HTMX)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<ul class="suggestions" role="listbox"')
    assert fragment.text.index('id="mention-lou_d"') < fragment.text.index('id="mention-louise"')
    assert "Lou D." in fragment.text and "Lou Dobbs" not in fragment.text and "susan" not in fragment.text
    page = client.get("/members/suggest?q=lou")
    assert page.text.startswith("<!doctype html>") and "@louise" in page.text
    assert client.get("/members/suggest?q=%25").text.count('role="option"') == 0  # LIKE wildcards are literal


# Names


def test_short_names_hide_the_full_name_from_everyone_but_the_member(app, client, lou):
    thread = make_thread(author=lou, title="Bridge", body="opening")
    for reader in (None, make_user()):
        visitor = app.test_client()
        if reader:
            visitor.sign_in(reader)
        for url in ("/", url_of(thread), "/u/lou_d"):
            html = visitor.get(url).text
            assert "Lou D." in html and "Dobbs" not in html, url
    client.sign_in(lou)
    assert "Lou Dobbs" in client.get(url_of(thread)).text


def test_staff_see_full_names(app, client, lou):
    make_thread(author=lou)
    client.sign_in(make_user(role="moderator"))
    assert "Lou Dobbs" in client.get("/").text


def test_members_with_the_same_shown_name_are_told_apart(client):
    thread = make_thread(author=make_user(username="jose_l", display_name="Jose Lopez", name_style="short"))
    make_reply(thread, author=make_user(username="jose_lima", display_name="Jose Lima", name_style="short"))
    make_reply(thread, author=make_user(username="susan", display_name="Susan T."))
    page = client.get(url_of(thread)).text
    assert '<bdi>Jose L.</bdi> <small class="name-suffix">@jose_l</small>' in page
    assert '<bdi>Jose L.</bdi> <small class="name-suffix">@jose_lima</small>' in page
    assert '<bdi>Susan T.</bdi></a></span>' in page  # no suffix; the name links to the profile


def test_changing_name_style_updates_attributions_of_quotes(client, lou):
    thread = make_thread()
    original = make_reply(thread, author=lou, body="point")
    quoting = make_reply(thread, body=quote_markdown(original) + "counterpoint")
    client.sign_in(lou)
    response = client.submit("/settings/profile", {"display_name": "Lou Dobbs", "name_style": "full"})
    assert response.status_code == 302
    assert ">Lou Dobbs</a> wrote:</cite>" in db.session.get(Post, quoting.id).body_html


def test_settings_refuse_a_bad_name_style(client, lou):
    client.sign_in(lou)
    response = client.submit("/settings/profile", {"display_name": "Lou Dobbs", "name_style": "secret"})
    assert response.status_code == 422


# New members' links


def test_a_new_members_links_show_as_a_marker(client):
    newcomer = make_user()
    thread = make_thread()
    client.sign_in(newcomer)
    composer = client.get(url_of(thread)).text
    assert 'id="link-policy"' in composer and "link hidden — new member" in composer
    client.submit(f"/t/{thread.id}/reply", {"body": "see https://spam.example/offer and [this](https://x.example)"})
    html = db.session.scalar(db.select(Post).order_by(Post.id.desc())).body_html
    assert html.count('<span class="link-hidden">link hidden — new member</span>') == 2
    assert "spam.example" not in html and "x.example" not in html


def test_an_established_members_links_are_published(app, client):
    member = make_user()
    establish(member)
    thread = make_thread(author=member)
    for n in range(3):
        make_reply(thread, author=member, body=f"post {n}")
    client.sign_in(member)
    assert 'id="link-policy"' not in client.get(url_of(thread)).text
    post = make_reply(thread, author=member, body="see https://example.org")
    assert '<a href="https://example.org" rel="nofollow ugc noopener noreferrer">' in post.body_html


# Edits and history


def test_an_edit_after_the_grace_period_links_to_its_history(app, client):
    app.config["EDIT_GRACE_SECONDS"] = 0
    author = make_user()
    post = make_reply(make_thread(), author=author, body="The vote was 5 to 4.")
    client.sign_in(author)
    client.submit(f"/p/{post.id}/edit", {"body": "The vote was 6 to 3.", "version": "1"})
    page = client.get(f"/p/{post.id}", follow_redirects=True).text
    assert f'<a class="edited" href="/p/{post.id}/history">edited' in page
    history = client.get(f"/p/{post.id}/history")
    assert history.status_code == 200
    assert "<del>5</del><ins>6</ins>" in history.text and "<del>4</del><ins>3</ins>" in history.text


def test_history_of_a_removed_post_is_gone(client):
    author = make_user()
    post = make_reply(make_thread(), author=author)
    posts.delete_post(post, author)
    assert client.get(f"/p/{post.id}/history").status_code == 404


def test_history_diff_escapes_text():
    from forum.posts.service.history import diff_html

    assert str(diff_html("a <b>", "a <i>")) == "a &lt;<del>b</del><ins>i</ins>&gt;"


# Profiles, timestamps, re-rendering


def test_profile_page(client, lou):
    make_reply(make_thread(title="Council votes"), author=lou)
    page = client.get("/u/LOU_D")
    assert page.status_code == 200 and "Lou D." in page.text and "Council votes" in page.text
    assert client.get("/u/nobody").status_code == 404


def test_timestamps_are_readable_and_exact(client):
    thread = make_thread()
    page = client.get(url_of(thread)).text
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" title="[^"]+ UTC"><span class="ago">just now</span>'
                     r'<span class="visually-hidden"> \([^)]+ UTC\)</span></time>', page)


def test_rerender_command_brings_old_posts_up_to_date(app):
    post = make_reply(make_thread(), body="**old**")
    with write_transaction() as session:
        row = session.get(Post, post.id)
        row.body_html, row.render_version = "<p>**old**</p>", 1
    result = app.test_cli_runner().invoke(args=["forum", "rerender"])
    assert result.exit_code == 0 and "Rendered 1 post again." in result.output
    assert db.session.get(Post, post.id).body_html == "<p><strong>old</strong></p>\n"


def test_quoting_a_mention_does_not_notify_again(lou):
    thread = make_thread()
    original = posts.add_reply(thread, make_user(), "thanks @lou_d")
    posts.add_reply(thread, make_user(), quote_markdown(original) + "agreed")
    mentions = db.session.scalars(db.select(Notification.user_id).where(Notification.kind == "mention")).all()
    assert mentions == [lou.id]  # notified once, by the post that mentioned them


def test_quoting_a_post_that_quoted_a_removed_post_leaves_the_removed_text_out(client, lou):
    thread = make_thread()
    regretted = make_reply(thread, author=lou, body="Something I regret\n\nand more of it")
    quoting = make_reply(thread, body=quote_markdown(regretted) + "Quoting it")
    posts.delete_post(regretted, lou)
    client.sign_in(make_user())
    text = client.get(f"/p/{quoting.id}/quote").text
    assert "regret" not in text and "more of it" not in text
    assert f"> > [Lou D.](/p/{regretted.id}) wrote:\n> > This post was deleted by its author.\n" in text
    assert "> Quoting it" in text
    page = client.get(f"/p/{quoting.id}/reply?quote=1").text
    assert "regret" not in page


def test_a_reply_fragment_updates_the_answered_post_and_clears_the_preview(client, lou):
    thread = make_thread()
    answered = make_reply(thread, author=lou, body="answer me")
    client.sign_in(make_user(display_name="Susan T."))
    response = client.submit(f"/t/{thread.id}/reply", {"body": "answered", "parent_id": str(answered.id)}, htmx=True)
    assert f'<hx-partial hx-target="#p{answered.id}" hx-swap="outerHTML">' in response.text
    assert re.search(r"Reply from\s*<a href=\"/p/\d+\"><bdi>Susan T.</bdi></a>", response.text)
    assert '<div id="reply-preview" class="preview-region" aria-live="polite" data-hx-swap-oob="true"></div>' in response.text
