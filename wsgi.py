"""The WSGI entry point for production servers: `granian --interface wsgi wsgi:app`."""

from forum import create_app

app = create_app()
