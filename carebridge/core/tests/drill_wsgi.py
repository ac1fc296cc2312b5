"""A single-threaded WSGI server for the PostgreSQL restart drill: tests only.

    python -m carebridge.core.tests.drill_wsgi PORT

One thread serves every request, so one persistent database connection (CONN_MAX_AGE) is reused across
requests, as in a production worker: the drill then shows that CONN_HEALTH_CHECKS replaces it after a restart.
"""

import os
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.wsgi import application

    make_server("127.0.0.1", int(sys.argv[1]), application, handler_class=QuietHandler).serve_forever()


if __name__ == "__main__":
    main()
