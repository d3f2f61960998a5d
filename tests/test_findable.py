"""Search engines find the forum: each page has a description and one canonical address, threads carry
link-preview metadata, and robots.txt and the sitemap list what a guest may read — nothing else."""

import re
from html import unescape
from datetime import datetime
from xml.etree import ElementTree

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Post, Thread
from forum.posts import service as posts
from tests.factories import make_category, make_reply, make_thread, make_user

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def meta(html: str, key: str) -> str | None:
    """The content of <meta name=key> or <meta property=key>."""
    found = re.search(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)">', html)
    return unescape(found.group(1)) if found else None


def canonical(html: str) -> str | None:
    found = re.search(r'<link rel="canonical" href="([^"]*)">', html)
    return unescape(found.group(1)) if found else None


def sitemap_addresses(client, url="/sitemap.xml") -> list[str]:
    answer = client.get(url)
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    root = ElementTree.fromstring(answer.data)
    assert root.tag == f"{SITEMAP}urlset"
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def test_the_home_page_has_a_description_and_a_canonical_address(app, client):
    page = client.get("/?utm_source=newsletter").text
    assert meta(page, "description") == app.config["SITE_DESCRIPTION"]
    assert canonical(page) == "http://localhost/"


def test_a_category_page_describes_the_category_and_keeps_its_page_number(app, client):
    category = make_category(slug="gardens", name="Gardens", description="Growing things in small yards.")
    app.config["THREADS_PER_PAGE"] = 1
    for n in range(2):
        make_thread(category=category, title=f"Thread {n}")
    page = client.get("/c/gardens?page=2&ref=twitter").text
    assert meta(page, "description") == "Growing things in small yards."
    assert canonical(page) == "http://localhost/c/gardens?page=2"


def test_a_thread_page_carries_a_description_and_link_preview_metadata(client):
    thread = make_thread(title="Where to buy seeds", body="I am looking for **heirloom** tomato seeds " + "word " * 60)
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    description = meta(page, "description")
    assert description.startswith("I am looking for heirloom tomato seeds word") and description.endswith("…")
    assert len(description) <= 160
    address = f"http://localhost/t/{thread.id}-{thread.slug}"
    assert canonical(page) == address
    assert meta(page, "og:type") == "article" and meta(page, "og:title") == "Where to buy seeds"
    assert meta(page, "og:url") == address and meta(page, "og:description") == description
    assert meta(page, "twitter:card") == "summary" and meta(page, "twitter:title") == "Where to buy seeds"


def test_a_later_thread_page_is_described_by_the_opening_post_too(app, client):
    app.config["POSTS_PER_PAGE"] = 1
    thread = make_thread(body="The opening words.")
    make_reply(thread, body="A reply on page two.")
    page = client.get(f"/t/{thread.id}-{thread.slug}?page=2&order=newest").text
    assert meta(page, "description") == "The opening words."
    assert canonical(page) == f"http://localhost/t/{thread.id}-{thread.slug}"
    oldest = client.get(f"/t/{thread.id}-{thread.slug}?page=2&order=oldest").text
    assert canonical(oldest) == f"http://localhost/t/{thread.id}-{thread.slug}?page=2"


def test_a_sorted_thread_names_the_plain_thread_as_canonical(app, client):
    app.config["POSTS_PER_PAGE"] = 1
    thread = make_thread(body="The opening words.")
    make_reply(thread, body="A reply on page two.")
    address = f"http://localhost/t/{thread.id}-{thread.slug}"
    for order in ("newest", "top"):
        assert canonical(client.get(f"/t/{thread.id}-{thread.slug}?order={order}").text) == address
        assert canonical(client.get(f"/t/{thread.id}-{thread.slug}?order={order}&page=2").text) == address
        page = client.get(f"/t/{thread.id}-{thread.slug}?order={order}").text
        assert meta(page, "og:url") == address


def test_a_removed_opening_post_is_not_quoted_in_the_description(client):
    author = make_user()
    thread = make_thread(author=author, title="Gone", body="Something its author took back.")
    make_reply(thread)
    posts.delete_post(db.session.scalars(db.select(Post).where(Post.thread_id == thread.id)).first(), author)
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert "took back" not in meta(page, "description")
    assert meta(page, "description").startswith("Gone: a thread in")


def test_a_later_pages_description_follows_the_opening_posts_edit_and_removal(app, client):
    """Pages after the first read the opening post's words alone (issue 18): an edit and a removal show."""
    app.config["POSTS_PER_PAGE"] = 1
    author = make_user()
    thread = make_thread(author=author, title="Gone", body="The first words.")
    make_reply(thread)
    later = f"/t/{thread.id}-{thread.slug}?page=2"
    assert meta(client.get(later).text, "description") == "The first words."
    opening = db.session.scalars(db.select(Post).where(Post.thread_id == thread.id).order_by(Post.id)).first()
    posts.edit_post(opening, author, "The edited words.", None)
    assert meta(client.get(later).text, "description") == "The edited words."
    posts.delete_post(opening, author)
    description = meta(client.get(later).text, "description")
    assert "edited" not in description and description.startswith("Gone: a thread in")


def test_base_url_names_the_canonical_host(app, client):
    app.config["BASE_URL"] = "https://forum.example.org"
    assert canonical(client.get("/").text) == "https://forum.example.org/"
    assert "Sitemap: https://forum.example.org/sitemap.xml" in client.get("/robots.txt").text


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_off_private_pages(client):
    answer = client.get("/robots.txt")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    lines = answer.text.splitlines()
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    assert {"Disallow: /admin", "Disallow: /settings", "Disallow: /search"} <= set(lines)
    disallowed = [line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")]
    for readable in ("/", "/c/news", "/t/1-a-thread", "/modlog"):
        assert not any(readable.startswith(path) for path in disallowed if path != "/"), readable
    assert "Disallow: /" not in lines


def test_the_sitemap_lists_only_what_guests_may_read(client):
    public, private = make_category(slug="open"), make_category(slug="staffroom", members_only=True)
    seen = make_thread(category=public, title="Open talk")
    hidden = make_thread(category=private, title="Members talk")
    removed = make_thread(category=public, title="Spam")
    with write_transaction() as session:
        session.get(Thread, removed.id).removed_at = datetime(2026, 1, 1)
    addresses = sitemap_addresses(client)
    assert addresses[0] == "http://localhost/"
    assert "http://localhost/c/open" in addresses and f"http://localhost/t/{seen.id}-{seen.slug}" in addresses
    assert not any("staffroom" in address for address in addresses)
    assert not any(f"/t/{thread.id}-" in address for address in addresses for thread in (hidden, removed))


def test_a_large_sitemap_becomes_an_index_of_parts(app, client):
    app.config["SITEMAP_URLS"] = 3
    category = make_category(slug="big")
    threads = [make_thread(category=category, title=f"Thread {n}") for n in range(5)]  # 1 + 1 + 5 = 7 addresses
    index = client.get("/sitemap.xml")
    root = ElementTree.fromstring(index.data)
    assert root.tag == f"{SITEMAP}sitemapindex"
    parts = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    assert parts == [f"http://localhost/sitemap-{n}.xml" for n in (1, 2, 3)]
    listed = [address for n in (1, 2, 3) for address in sitemap_addresses(client, f"/sitemap-{n}.xml")]
    assert listed == ["http://localhost/", "http://localhost/c/big",
                      *(f"http://localhost/t/{thread.id}-{thread.slug}" for thread in threads)]
    assert client.get("/sitemap-4.xml").status_code == 404
