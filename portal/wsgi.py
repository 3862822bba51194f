"""The WSGI application gunicorn serves (docs/deployment.md)."""

import gc
import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()


def warm_up() -> None:
    """Load what each worker would otherwise load during its first request:
    every view module, the URL patterns and the translation catalogues, about
    0.4 s of CPU on the bench machine (bench/overhead.py). With gunicorn's
    --preload this runs once in the master, before the workers are forked,
    so no worker, nor one that --max-requests starts afresh, makes a visitor
    wait for it. It opens no database connection.

    Last, what was loaded is frozen out of the garbage collector's reach
    (gc.freeze): a worker's full collection walked every object of
    Django, the apps and the compiled templates, ~350,000, and paused the
    request it fell on for ~143 ms (measured in a warmed process at 100k,
    about once every 200 API requests, more often on the allocating admin
    pages); after the freeze it walks only what the worker made since. The
    frozen objects are the ones a process keeps to its end anyway, and the
    forked workers share their pages instead of the collector touching
    them."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Home")
            resolver.reverse_dict  # noqa: B018 - builds the reverse lookup
    warm_templates()
    gc.collect()
    gc.freeze()


def template_dirs() -> list[Path]:
    """The folders of the templates the site's engine renders: the
    project's own, its apps', the admin's."""
    import django.contrib.admin
    from django.apps import apps
    from django.conf import settings

    ours = [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if config.name.startswith(("portal.", "grid."))
    ]
    return [
        *(Path(folder) for engine in settings.TEMPLATES for folder in engine["DIRS"]),
        *ours,
        Path(django.contrib.admin.__file__).parent / "templates",
    ]


def warm_templates() -> None:
    """Compile every template of template_dirs() into the site engine's
    cached loader, and the form widgets' into the form renderer's, so that
    a worker forked from a --preload master renders its first page without
    reading and compiling each template it needs (Django's cached loader
    fills lazily, per process)."""
    import django.forms
    from django.forms.renderers import get_default_renderer
    from django.template import engines

    widgets = Path(django.forms.__file__).parent / "templates"
    for engine, folders in (
        (engines["django"], template_dirs()),
        (get_default_renderer().engine, [widgets]),
    ):
        for folder in folders:
            for path in sorted(folder.rglob("*.html")):
                engine.get_template(path.relative_to(folder).as_posix())


warm_up()
