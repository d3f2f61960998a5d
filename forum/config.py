"""Configuration: defaults, then instance/config.py, then FORUM_* environment variables."""

import os
import secrets
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """templates/, static/ or migrations/: inside the package when it was installed from the wheel
    (`make dist` puts them there, pyproject.toml), else beside it in the source tree."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PROJECT_ROOT / name


def instance_path() -> str:
    """Where the instance's files live (config.py, secret_key, the SQLite file, uploads):
    FORUM_INSTANCE_PATH, else instance/ in the source tree, else — for an installed package, which
    must not write into site-packages — Flask's own default, <virtualenv>/var/forum-instance."""
    if chosen := os.environ.get("FORUM_INSTANCE_PATH"):
        return str(Path(chosen).resolve())
    if (PROJECT_ROOT / "wsgi.py").is_file():  # the source tree (a checkout, `make run`)
        return str(PROJECT_ROOT / "instance")
    return str(Path(sys.prefix) / "var" / "forum-instance")


# Every setting may be given in the environment as FORUM_<KEY> (Flask's from_prefixed_env): values
# that read as JSON (numbers, true/false, lists) are taken as such, anything else as text.
ENV_PREFIX = "FORUM"
LOG_FORMATS = ("text", "json")


class Defaults:
    """Settings a fresh install starts with."""

    # An admin changes the settings forum/settings.py lists at /admin/settings, without a restart; the
    # values here (and in instance/config.py) are theirs until then, and FORUM_<NAME> in the
    # environment fixes one so that the page cannot change it.
    SITE_NAME = "Forum"
    # What search engines show under the home page's title (categories and threads have their own);
    # also the line under the site's name on the front page. /admin/settings changes it.
    SITE_DESCRIPTION = "A community forum: conversations anyone can read, and members join in."
    LOGO = ""  # set by uploading one at /admin/settings (a file in UPLOAD_DIR/site/); "" for none
    ACCENT_COLOUR = "#0b5cad"  # buttons and links, as #rrggbb (dark mode uses a lighter mix of it)
    REGISTRATION_MODE = "open"  # "open", "invite" (only with an invitation link) or "closed"
    # "required": moderators and admins must sign in with a second factor (each is sent to set it up);
    # "optional": any member may turn it on at /settings/two-factor. /admin/settings changes it.
    STAFF_TWO_FACTOR = "optional"
    # Sensitive staff actions (roles, blocks, site settings, sanctions on staff) ask for the password
    # again when this session last confirmed it longer ago than this.
    FRESH_SIGN_IN_MINUTES = 30
    # "Don't ask for a code on this browser" lasts this long (a new password, a suspension or a ban ends it).
    TWO_FACTOR_TRUSTED_DAYS = 30
    DATABASE_URL = None  # None means SQLite in instance/forum.sqlite3
    REDIS_URL = None  # None means rate-limit counters live in the database (rate_counters)
    # The job queue (forum/jobs.py): in Redis with REDIS_URL, else in this SQLite file (None means
    # instance/jobs.sqlite3). JOBS_IMMEDIATE runs each job at once where it is queued, with no worker (tests).
    JOBS_FILE = None
    JOBS_IMMEDIATE = False
    SECRET_KEY = None  # None means generated into instance/secret_key on first run
    PROXY_HOPS = 0  # reverse proxies in front whose X-Forwarded-For/-Proto are trusted (README "Deploying")
    # Logs (forum/logs.py): "text" (a plain line each) or "json" (a JSON object a line), and from what level.
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    # The line for each request (10 to 40 µs each: README "Logs, health and metrics"); a proxy that logs
    # every request with the same X-Request-ID may make it redundant. The app's own events are logged anyway.
    LOG_REQUESTS = True
    # Who may read /metrics (forum/metrics.py): addresses or networks; behind a proxy, see PROXY_HOPS.
    METRICS_ALLOW = ["127.0.0.1/32", "::1/128"]
    # Errors reported to Sentry (or a service that speaks its protocol) when a DSN is given, with any
    # further sentry_sdk.init options (e.g. {"environment": "production"}); None sends nothing anywhere.
    SENTRY_DSN = None
    SENTRY_OPTIONS = {}
    MAX_CONTENT_LENGTH = 256 * 1024
    MAX_FORM_MEMORY_SIZE = 256 * 1024
    # How granian serves the app (forum/serving.py): the threads in each worker that run it, and the
    # longest a request body may take to arrive before the request is refused (408).
    APP_THREADS = 4
    REQUEST_BODY_SECONDS = 60
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: long-open tabs keep working
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    # The browsers an account signed in on (forum/auth/service/devices.py).
    KNOWN_DEVICE_COOKIE_NAME = "known_device"
    KNOWN_DEVICE_COOKIE_SECURE = True
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    THREADS_PER_PAGE = 25
    SITEMAP_URLS = 50_000  # addresses in one sitemap file (the protocol's most); more make a sitemap index
    POSTS_PER_PAGE = 20
    LIVE_POLL_SECONDS = 10  # how often an open thread's last page asks for new replies
    NOTIFICATION_POLL_SECONDS = 30  # how often a member's pages ask whether they have new notifications
    # Guests' pages are kept in each worker's memory until the site changes, or for at most this long
    # (0 turns the cache off); PAGE_CACHE_BYTES bounds each worker's share. See forum/page_cache.py.
    PAGE_CACHE_SECONDS = 30
    PAGE_CACHE_BYTES = 32 * 1024 * 1024
    # Each post's HTML on thread pages is kept in each worker's memory, up to this many bytes (0 turns it
    # off). See forum/posts/html_cache.py.
    POST_HTML_CACHE_BYTES = 32 * 1024 * 1024
    # The same for each row of thread lists (forum/threads/views/rows.py).
    THREAD_ROW_CACHE_BYTES = 8 * 1024 * 1024
    # The same for the reply form of thread pages (forum/threads/views/reply_form.py).
    COMPOSER_CACHE_BYTES = 4 * 1024 * 1024
    # Comments under articles (forum/embed/, README "Comments under articles"): the publisher sites allowed
    # to embed them (a list of origins), the category (slug) their threads go in, and who starts them ("":
    # the first admin). /admin/settings changes the three. EMBED_LOOKS: each publisher's colours and font in
    # the frame, one line a site (forum/looks.py).
    EMBED_ORIGINS = []
    EMBED_LOOKS = []
    EMBED_CATEGORY = ""
    EMBED_AUTHOR = ""
    # An article's comments close by themselves this many days after its thread began (0: never); an
    # article may have its own number (forum/models/article.py). /admin/settings changes it.
    EMBED_CLOSE_AFTER_DAYS = 0
    # The word beside a moderator's or admin's name on their posts ("": no badge). /admin/settings changes it.
    STAFF_BADGE_TITLE = "Staff"
    # How long the publisher's article page may take to answer when the forum checks it names itself.
    EMBED_FETCH_SECONDS = 5
    # True: the session and remember-me cookies are SameSite=None (over HTTPS only), so a member signed in on
    # the forum is signed in inside the comments frame on the publisher's site too (README).
    EMBED_THIRD_PARTY_COOKIES = False
    # Signing in with an OpenID Connect identity provider (forum/auth/service/oidc.py, README "Signing in with
    # an identity provider"): on or off, the provider's issuer URL, the client id it gave the forum and the name
    # on the button; /admin/settings changes the four. The client secret is configuration only (instance/
    # config.py or FORUM_OIDC_CLIENT_SECRET), never shown; None for a public client (PKCE alone).
    OIDC_ENABLED = False
    OIDC_ISSUER = ""
    OIDC_CLIENT_ID = ""
    OIDC_NAME = ""
    OIDC_CLIENT_SECRET = None
    OIDC_TIMEOUT_SECONDS = 5  # the longest the forum waits for each answer from the provider
    # Signing in with the publisher's accounts (forum/auth/service/sso.py, README "Signing readers in"): the
    # secret the publisher signs its tokens with (HS256; at least 32 bytes; FORUM_SSO_SECRET, never a site
    # setting: no page shows it), and the audience its tokens name ("": BASE_URL). The rest are site settings.
    SSO_SECRET = None
    SSO_AUDIENCE = ""
    SSO_ENABLED = False  # tokens accepted at /sso/jwt
    SSO_ISSUER = ""  # the `iss` the publisher's tokens carry: its name
    SSO_LOGIN_URL = ""  # the publisher's sign-in page; the forum adds ?return_to=<its /sso/jwt return address>
    SSO_ROLES = True  # the tokens' "moderator" and "admin" roles make (and unmake) staff
    PASSWORD_ACCOUNTS = True  # False: no registration, and only staff sign in with a password
    # Rate limits ("N per second/minute/hour/day", several joined by ";"), counted in Redis when
    # REDIS_URL is set, else in the database, so that all worker processes count together.
    LOGIN_RATE_LIMIT = "5 per minute; 20 per hour"  # failed sign-ins, per address and per account
    REGISTER_RATE_LIMIT = "5 per hour"  # registration mails, per IP address and per email address
    REPLY_RATE_LIMIT = "10 per minute"  # replies posted, per member
    THREAD_RATE_LIMIT = "20 per day"  # threads started, per member
    # New members (not yet established: see NEW_MEMBER_MIN_POSTS/_DAYS) have tighter limits.
    NEW_MEMBER_REPLY_RATE_LIMIT = "3 per minute"
    NEW_MEMBER_THREAD_RATE_LIMIT = "3 per day"
    CONVERSATION_RATE_LIMIT = "20 per day"  # private conversations started, per member
    NEW_MEMBER_CONVERSATION_RATE_LIMIT = "2 per day"
    MESSAGE_MAX_PARTICIPANTS = 10  # members in one private conversation, its starter included
    # A counter that cannot be written (the database busy for too long) is logged and skipped:
    # it must not turn a post that was saved into an error page. Redis being down is not such a
    # case: its counts go to the database meanwhile (forum.limits.FallbackStorage).
    RATELIMIT_SWALLOW_ERRORS = True
    MAX_MENTIONS = 10  # per post; later @names stay plain text
    NEW_MEMBER_MAX_MENTIONS = 3  # the same for new members (never more than MAX_MENTIONS)
    NEW_MEMBER_MIN_POSTS = 3  # a member's links are published once they have this many posts…
    NEW_MEMBER_MIN_DAYS = 2  # …and joined at least this many days ago
    # What a new member's posts do: "publish" at once, "links" (held when they contain a link), "hold" all.
    NEW_MEMBER_POST_REVIEW = "publish"
    TRUST_MEMBER_MIN_READ = 0  # …and read this many posts (trust levels: forum/trust.py)
    TRUST_REGULAR_MIN_POSTS = 20  # a member becomes a regular with this many posts,
    TRUST_REGULAR_MIN_DAYS = 30  # this many days since joining,
    TRUST_REGULAR_MIN_READ = 200  # this many posts read,
    TRUST_REGULAR_MAX_FLAGS = 2  # and no more than this many flags on their posts from others
    INVITE_DAYS = 7  # an invitation link works this long (REGISTRATION_MODE "invite")
    INVITE_RATE_LIMIT = "10 per day"  # invitation links made, per member (admins too)
    # A change to a quoted post (a removal, a restore) renders the posts quoting it again: up to this many
    # inside the request (about 1 ms each), more in a job, hidden meanwhile (forum/posts/service/pending.py).
    RERENDER_IN_REQUEST = 100
    EDIT_GRACE_SECONDS = 300  # edits within this time of posting keep no revision
    # This many members flagging a new member's post as spam (or one moderator) silence them and hide their posts.
    SPAM_FLAG_THRESHOLD = 2
    # What members may answer a post with besides Like, one each: emoji and their names (forum/settings.py).
    REACTIONS = "👍 Thumbs up, 😂 Funny, 😮 Surprised, 😢 Sad, 🎉 Hooray"
    FLAG_HIDE_THRESHOLD = 3  # this many members flagging a post hide it until a moderator reviews it
    UPLOAD_DIR = None  # None means instance/uploads; avatars go in its avatars/ folder
    AVATAR_MAX_BYTES = 2 * 1024 * 1024  # an uploaded picture, before it is re-encoded
    AVATAR_MAX_PIXELS = 4096 * 4096  # larger images are refused before they are decoded
    AVATAR_IN_REQUEST_PIXELS = 1024 * 1024  # larger ones (but JPEGs) are re-encoded by a job: README "Background jobs"
    AVATAR_RATE_LIMIT = "10 per hour"  # picture uploads per member
    # Images in posts (forum/posts/service/uploads.py, README "Uploads"): site settings, changed at /admin/settings.
    IMAGE_MAX_KB = 5 * 1024  # an uploaded image, before it is re-encoded
    IMAGE_MAX_MEGAPIXELS = 24  # larger images are refused from their header, before they are decoded
    IMAGES_PER_POST = 10  # image references one post may hold (0: no images in posts)
    IMAGE_UPLOAD_RATE_LIMIT = "30 per hour"  # images uploaded per member (each costs a decode and re-encode)
    DELETED_USERNAME_HOLD_DAYS = 180  # a deleted member's username stays taken this long
    # Email: sent through MAIL_SERVER over SMTP; with no MAIL_SERVER (development) it is printed to the
    # console instead. MAIL_PORT None means 465 with MAIL_SSL, 587 with MAIL_STARTTLS, else 25.
    MAIL_SERVER = None
    MAIL_PORT = None
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_STARTTLS = False
    MAIL_SSL = False
    MAIL_SENDER = "noreply@localhost"
    MAIL_TIMEOUT = 10  # seconds to wait for the SMTP server
    BASE_URL = None  # the forum's public address (https://forum.example.org), for links in email
    PASSWORD_RESET_MAX_AGE = 3600  # seconds a password-reset link works (once)
    PASSWORD_RESET_RATE_LIMIT = "5 per hour"  # reset requests, per IP address and per email address
    REGISTER_LINK_MAX_AGE = 86400  # seconds a mailed link to finish creating an account works
    # Whether an account exists only once its address answered the mailed link (forum/auth/service/signup.py;
    # a site setting, as is REFUSE_DISPOSABLE_EMAIL).
    # False (a private or trusted community): the registration form asks for the password and signs in at once.
    EMAIL_CONFIRMATION = True
    EMAIL_CHANGE_MAX_AGE = 86400  # seconds a link confirming a member's new email address works (once)
    EMAIL_CHANGE_RATE_LIMIT = "5 per hour"  # requests to change the address, per member
    # Bot traps (forum/auth/service/traps.py, README "Bot traps"); the next four are site settings
    # (forum/settings.py: read them with site_setting()). A guest form sent back sooner than
    # this after it was shown is shown again with a message: registration, then sign-in and reset
    # (password managers fill those in a blink, so their minimum is small).
    REGISTER_MIN_SECONDS = 3
    GUEST_FORM_MIN_SECONDS = 1
    # The registration page's proof-of-work puzzle: numbers the browser may have to try (about a
    # second at 100,000), and how long a puzzle stays good.
    REGISTER_CHALLENGE_MAX_NUMBER = 100_000
    REGISTER_CHALLENGE_MAX_AGE = 3600
    # Registrations sent without a solved puzzle (JavaScript off), per IP address: on top of
    # REGISTER_RATE_LIMIT, which counts every registration.
    REGISTER_UNSOLVED_RATE_LIMIT = "2 per hour; 5 per day"
    # Disposable-address domains (the pinned disposable-email-domains package) may not register,
    # except those an admin allows at /admin/blocks. False lets every domain register.
    REFUSE_DISPOSABLE_EMAIL = True
    # argon2id parameters (argon2-cffi defaults); tests lower them for speed.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4


class LocalTrial:
    """Defaults in place of Defaults' for a local trial (LOCAL_HTTP, which `make run` sets): one person on
    127.0.0.1 registers a few members and has them talk to each other, which the production limits
    (5 accounts an hour from one address, 3 replies a minute from a new member) would stop in minutes.
    Like Defaults, instance/config.py and the environment override them."""

    REGISTER_RATE_LIMIT = "50 per hour"
    REPLY_RATE_LIMIT = "60 per minute"
    THREAD_RATE_LIMIT = "100 per day"
    NEW_MEMBER_REPLY_RATE_LIMIT = "30 per minute"
    NEW_MEMBER_THREAD_RATE_LIMIT = "30 per day"
    CONVERSATION_RATE_LIMIT = "100 per day"
    NEW_MEMBER_CONVERSATION_RATE_LIMIT = "30 per day"


def load(app, test_config=None):
    """Fill app.config from defaults (a local trial's where LOCAL_HTTP says so), instance/config.py, the
    environment, then test_config."""
    _layers(app, test_config)
    if app.config.get("LOCAL_HTTP"):  # known only once every layer is read: read them again over LocalTrial
        _layers(app, test_config, LocalTrial)
    # Which settings the environment fixed: /admin/settings shows them and cannot change them.
    app.config["FIXED_BY_ENVIRONMENT"] = frozenset(
        name.removeprefix(f"{ENV_PREFIX}_") for name in os.environ if name.startswith(f"{ENV_PREFIX}_"))
    if app.debug or app.config.get("LOCAL_HTTP") or app.config.get("TESTING"):
        # Plain http on 127.0.0.1 during development cannot carry Secure cookies.
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
        app.config["KNOWN_DEVICE_COOKIE_SECURE"] = False
    if app.config["LOG_FORMAT"] not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {app.config['LOG_FORMAT']!r}")
    _host_only_cookies(app.config)
    if app.config.get("EMBED_THIRD_PARTY_COOKIES") and app.config["SESSION_COOKIE_SECURE"]:
        app.config["SESSION_COOKIE_SAMESITE"] = app.config["REMEMBER_COOKIE_SAMESITE"] = "None"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"] or (
        "sqlite:///" + str(Path(app.instance_path) / "forum.sqlite3")
    )
    # An explicit RATELIMIT_STORAGE_URI (memcached://, or memory:// in a test) wins. Redis comes with
    # the database standing in while it is down ("fallback+": forum.limits.FallbackStorage).
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        redis = app.config["REDIS_URL"]
        app.config["RATELIMIT_STORAGE_URI"] = f"fallback+{redis}" if redis else "database://"
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)


def _layers(app, test_config, *local) -> None:
    app.config.from_object(Defaults)
    for defaults in local:
        app.config.from_object(defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(ENV_PREFIX)
    if test_config:
        app.config.update(test_config)


def _host_only_cookies(settings) -> None:
    """Over HTTPS, name the session and remember-me cookies `__Host-…`: browsers then accept them
    only when Secure, for Path=/ and with no Domain, so neither a sibling subdomain nor a page over
    plain http can plant or overwrite them. A cookie given a Domain is left as configured."""
    for prefix, default in (("SESSION_COOKIE", "session"), ("REMEMBER_COOKIE", "remember_token"),
                            ("KNOWN_DEVICE_COOKIE", "known_device")):
        name = settings.get(f"{prefix}_NAME") or default
        if not settings[f"{prefix}_SECURE"] or settings.get(f"{prefix}_DOMAIN") or name.startswith("__Host-"):
            continue
        settings[f"{prefix}_NAME"], settings[f"{prefix}_PATH"] = f"__Host-{name}", "/"


def _instance_secret(instance: Path) -> str:
    """Read the generated secret key, creating it (readable by the owner only) on first run."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
