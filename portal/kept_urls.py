"""``reverse()`` answered once per process for the same question, and the
``{% url %}`` tag that asks it that way (a template builtin, settings.py).

Django's reverse() works out the namespace, the pattern and its quoting on
every call, ~70 µs here; a page asks 10–30 times (links, form actions, the
admin's nav), mostly the same questions on every request. The answer
depends on the URLconf's resolver, the script prefix, the language (for
translated patterns), the current app and the name and arguments: all of
them are the key. Only names and arguments that are strings or whole
numbers are kept; anything else is asked of reverse() every time."""

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

KEPT_URLS = 4096  # answers kept; all are dropped when there are more
_kept: dict[tuple, str] = {}


def _plain(values) -> bool:
    # Strings (a template's literals are SafeStrings) and ints, not bools.
    return all(isinstance(value, str) or type(value) is int for value in values)


def kept_reverse(viewname, args=(), kwargs=None, current_app=None) -> str:
    """``django.urls.reverse(viewname, args=args, kwargs=kwargs,
    current_app=current_app)``, kept (see the module)."""
    if not (
        isinstance(viewname, str)
        and _plain(args)
        and (not kwargs or _plain(kwargs.values()))
    ):
        return django_reverse(
            viewname, args=args, kwargs=kwargs, current_app=current_app
        )
    key = (
        get_resolver(get_urlconf()),
        get_script_prefix(),
        get_language(),
        current_app,
        viewname,
        tuple(args),
        tuple(sorted(kwargs.items())) if kwargs else (),
    )
    url = _kept.get(key)
    if url is None:
        try:
            url = django_reverse(
                viewname, args=args, kwargs=kwargs, current_app=current_app
            )
        except NoReverseMatch as missing:
            # Kept too: the admin's base template asks on every page for
            # admindocs' URL, which the site does not have, and a failed
            # reverse() costs ~230 µs (a working one ~26).
            url = NoReverseMatch(*missing.args)
        if len(_kept) >= KEPT_URLS:
            _kept.clear()
        _kept[key] = url
    if isinstance(url, NoReverseMatch):
        raise NoReverseMatch(*url.args)
    return url


register = template.Library()


class KeptURLNode(URLNode):
    def render(self, context):
        """URLNode.render (Django 5.2), reversing through kept_reverse."""
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = kept_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        if context.autoescape:
            url = conditional_escape(url)
        return url


@register.tag
def url(parser, token):
    """Django's ``{% url %}`` (the same syntax and output) through
    kept_reverse."""
    node = django_url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
