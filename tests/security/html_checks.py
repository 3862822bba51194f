"""Read a rendered page the way a Content-Security-Policy does: what would it
refuse to run or apply, and which POST forms lack the CSRF token."""

from html.parser import HTMLParser

# <script> elements that hold data, not code: the policy does not run them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class _PageReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inline = []
        self.forms = []  # [method, action, has_token]
        self._form = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, _value in attrs:
            if name.startswith("on"):
                self.inline.append(f"<{tag} {name}=...> (inline event handler)")
            if name == "style":
                self.inline.append(f"<{tag} style=...> (inline style attribute)")
        if tag == "script" and not attributes.get("src"):
            kind = (attributes.get("type") or "").lower()
            if kind not in DATA_SCRIPT_TYPES:
                self.inline.append("<script> without src (inline script)")
        if tag == "style":
            self.inline.append("<style> element (inline style sheet)")
        if tag in ("a", "iframe", "form") and (
            (attributes.get("href") or attributes.get("src") or "")
            .strip()
            .lower()
            .startswith("javascript:")
        ):
            self.inline.append(f"<{tag}> with a javascript: URL")
        if tag == "form":
            self._form = [
                (attributes.get("method") or "get").lower(),
                attributes.get("action"),
                False,
            ]
            self.forms.append(self._form)
        if (
            tag == "input"
            and self._form is not None
            and attributes.get("name") == "csrfmiddlewaretoken"
            and attributes.get("value")
        ):
            self._form[2] = True

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def read(html: str) -> _PageReader:
    reader = _PageReader()
    reader.feed(html)
    reader.close()
    return reader


def inline_code(html: str, *, allow_style_attributes=False) -> list[str]:
    """What the policy would block: inline scripts, event handlers,
    javascript: URLs, inline style sheets and style attributes."""
    found = read(html).inline
    if allow_style_attributes:
        found = [f for f in found if "style attribute" not in f]
    return found


def post_forms_without_csrf_token(html: str) -> list[str]:
    return [
        f"<form method=post action={action!r}>"
        for method, action, has_token in read(html).forms
        if method == "post" and not has_token
    ]
