"""Finding a service in the catalogue by its name or by the pinyin initials of
its name, as residents type on a phone ("hjzm" finds 户籍证明).

ServiceCategory has no initials column: the catalogue holds a few hundred
active categories at most, so the search reads them all in one query and
filters in Python. Should the catalogue ever grow to thousands, store the
initials in a column kept up to date on save and filter in the database.
"""

import functools
from collections.abc import Iterable

from pypinyin import Style, lazy_pinyin


@functools.lru_cache(maxsize=4096)
def initials(name: str) -> str:
    """The pinyin initials of a name, lower case: 户籍证明 -> "hjzm".

    Characters that are not Chinese (letters, digits) are kept as they are,
    so "A级" gives "aj"; spaces and punctuation are dropped.
    """
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(part for part in letters if part.isalnum()).lower()


def normalise_query(query: str | None) -> str:
    return "".join((query or "").split()).lower()


def matches(name: str, query: str) -> bool:
    """Whether a normalised query finds a name: part of the name itself, or
    part of its initials."""
    if not query:
        return True
    compact = "".join(name.split()).lower()
    return query in compact or (query.isascii() and query in initials(name))


def search_categories(categories: Iterable, query: str | None) -> list:
    """The categories whose name the query finds, in their given order."""
    query = normalise_query(query)
    return [category for category in categories if matches(category.name, query)]
