"""Characters that make a string show other than it is, wherever mlci prints one.

One list for every output (Markdown, the terminal, a CI log), so that what one output
refuses another cannot let through.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and Unicode's line and paragraph separators: each can end a line
# or move the cursor.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Embeddings, overrides, isolates and the invisible direction marks (the "Trojan Source"
# characters): they make text read in another order than it is stored.
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
