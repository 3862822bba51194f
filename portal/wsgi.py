"""The WSGI application gunicorn serves (docs/deployment.md)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()


def warm_up() -> None:
    """Load what each worker would otherwise load during its first request:
    every view module, the URL patterns and the translation catalogues, about
    0.4 s of CPU on the bench machine (bench/overhead.py). With gunicorn's
    --preload this runs once in the master, before the workers are forked,
    so no worker, nor one that --max-requests starts afresh, makes a visitor
    wait for it. It opens no database connection."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Home")
            resolver.reverse_dict  # noqa: B018 - builds the reverse lookup


warm_up()
