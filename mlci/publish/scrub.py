"""Taking the token out of any text before a person or a log can see it.

mlci never puts the token in a URL or a message itself, but a server can echo it back: in
an error body, a `Link` or `Location` URL, a comment's `html_url`. An echo need not be whole:
a prefix, a suffix, the token cut by a message truncated at its limit, percent-encoded, or
base64 (as in a `Basic` header). So the scrubber removes every run of text that contains a
piece of at least `MIN_PIECE` characters of the token, in each of those forms, whatever the
letter case; 8 characters of a 40-character token is the most it lets through, too few to
guess the rest.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import quote

MIN_PIECE = 8
PLACEHOLDER = "<token>"


class Scrubber:
    """`scrub(text)` returns `text` with every echo of `secret` replaced by `<token>`."""

    def __init__(self, secret: str) -> None:
        pieces = {
            form[start : start + MIN_PIECE]
            for form in _forms(secret)
            for start in range(max(1, len(form) - MIN_PIECE + 1))
        }
        pieces.discard("")
        # A lookahead finds every piece where it starts, overlapping ones included, so that
        # the runs they cover can be merged into one placeholder.
        alternatives = "|".join(re.escape(p) for p in sorted(pieces, key=len, reverse=True))
        self._pattern = re.compile(f"(?=({alternatives}))", re.IGNORECASE) if pieces else None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        covered = [False] * len(text)
        for match in self._pattern.finditer(text):
            for index in range(match.start(), match.start() + len(match[1])):
                covered[index] = True
        out: list[str] = []
        for index, char in enumerate(text):
            if not covered[index]:
                out.append(char)
            elif index == 0 or not covered[index - 1]:
                out.append(PLACEHOLDER)
        return "".join(out)

    def __repr__(self) -> str:
        return "Scrubber(<hidden>)"


def _forms(secret: str) -> set[str]:
    """The ways a server could spell `secret` back."""
    if not secret:
        return set()
    raw = secret.encode()
    forms = {secret, quote(secret, safe=""), "".join(f"%{byte:02X}" for byte in raw)}
    # Base64 of a piece of the token matches base64 of the whole only at the same offset
    # modulo 3, so encode it from each of the three offsets.
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(encode(raw[offset:]).decode().rstrip("="))
    return forms
