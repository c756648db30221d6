"""Entry point for WSGI servers: `waitress-serve wsgi:app` or `gunicorn wsgi:app`."""

from exchange.app import create_app

app = create_app()
