"""Text as search sees it: words lower-cased, accents dropped, and prefix queries on them.

The embedded MongoDB-compatible server has no ``$text`` index, and neither do most needs here: a
list of normalised words per record, and a prefix match per word typed, work on both."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from resolvers.core.errors import InvalidInput

SEARCH_MAX = 100


def search_words(text: str) -> list[str]:
    """The distinct words of ``text``, lower-case and without accents."""
    flat = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c if c.isalnum() else " " for c in flat if not unicodedata.combining(c))
    return sorted(set(letters.split()))


def prefix_query(text: str, field: str, *, argument: str) -> dict[str, Any]:
    """A filter keeping the records whose ``field`` (a list of search words) has a word starting
    with each word of ``text``; ``argument`` names the input in errors."""
    if len(text) > SEARCH_MAX:
        raise InvalidInput(f"at most {SEARCH_MAX} characters", field=argument)
    words = search_words(text)
    if not words:
        raise InvalidInput("give at least one letter or digit", field=argument)
    return {"$and": [{field: {"$regex": "^" + re.escape(word)}} for word in words]}
