"""A Marp deck read as Marp reads it.

Marp is built on markdown-it; so is this reading (markdown-it-py, its Python port): the
slides are what its horizontal rules separate, images are its image tokens, code fences
and code blocks are code (nothing in them is an asset). The HTML that markdown-it passes
through (HTML blocks and inline HTML) is read by Python's HTML parser: ``<video>``,
``<source>`` and ``<img>`` tags, and comments. URLs are decoded as a browser decodes them
(``mis%20figuras`` is the folder ``mis figuras``); a query or fragment stays in the deck
and is not part of the file's name.

A comment whose whole content is media (a ``<video>`` tag, an image) is a commented-out
*slot* the builder may fill; any other comment is a presenter note (Marp shows it in its
presenter view) and is never read for assets or changed.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt

__all__ = ["front_matter_text", "DeckError", "Ref", "Tag", "Comment", "Slide", "DeckSource", "read_deck", "parse_deck", "sibling_url",
           "MAX_DECK_BYTES", "MAX_SLIDES", "MAX_REFS"]

MAX_DECK_BYTES = 4_000_000  # a Marp deck is text; the course deck is 9 kB
MAX_SLIDES = 1000  # the course deck has 27; Marp CLI took more than 10 minutes on 28,676
MAX_REFS = 5000  # images and videos the deck names
MEDIA_TAGS = ("video", "source", "img")
_PLACEHOLDER = re.compile(r"\b(replace|reemplaz\w*|sustitu\w*|cambi\w* (?:por|con)|your own|tu propi[oa])\b",
                          re.IGNORECASE)


class DeckError(ValueError):
    """A deck that cannot be read as a Marp deck: one line naming the file and the fix."""


@dataclass(frozen=True)
class Ref:
    """One asset the deck names.

    Attributes:
        url: as written in the deck (HTML entities decoded), query and fragment included.
        path: the file it names, decoded and normalised, relative to the deck's folder
            ('assets/mis figuras/x.png'); for ``outside`` refs, as written.
        kind: "image" (a Markdown image or <img>), "video" (<video src>, <source>) or
            "poster" (a <video poster>).
        line: 1-based line of the deck. slide: 1-based slide number.
        slot: inside a commented-out slot.
        outside: absolute, or leaving the deck's folder with '..'.
    """

    url: str
    path: str
    kind: str
    line: int
    slide: int
    slot: bool = False
    outside: bool = False
    at: int = 0  # its offset in the deck's text


@dataclass(frozen=True)
class Tag:
    """A <video>, <source>, <img> (or a twin's <iframe>) start tag, where it is in the text."""

    name: str
    attrs: dict
    start: int  # character offsets of the start tag in the deck's text
    end: int
    slide: int
    slot: bool = False
    close: int | None = None  # <video>, <iframe>: the offset just after its end tag


@dataclass(frozen=True)
class Comment:
    start: int  # offsets of '<!--' and just after '-->'
    end: int
    inner: str
    line: int
    slide: int
    slot: bool  # its whole content is media: a commented-out slot
    placeholder: bool  # a note that asks for the media after it to be replaced


@dataclass
class Slide:
    number: int  # 1-based
    title: str
    start: int  # character offsets of the slide's text (after its separator)
    end: int
    text: str = ""  # its words, for matching a placeholder to a scene


@dataclass
class DeckSource:
    path: Path
    text: str
    slides: list[Slide] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    code_lines: set[int] = field(default_factory=set)  # 0-based lines inside code
    tables: list[tuple[int, int, list[str]]] = field(default_factory=list)  # (start, end, header cells)

    def slide_at(self, offset: int) -> Slide:
        for s in self.slides:
            if s.start <= offset < s.end:
                return s
        return self.slides[-1]

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    @property
    def lang(self) -> str | None:
        """The front matter's ``lang`` (Marp's global directive for the HTML's language), or None."""
        return front_matter(self.text).get("lang")


def read_deck(path: Path) -> DeckSource:
    """Read and parse a deck file, or raise DeckError with one line naming it."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:  # read with a bound: a device or a pipe has no size to check first
            data = fh.read(MAX_DECK_BYTES + 1)
    except OSError as exc:
        raise DeckError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    if len(data) > MAX_DECK_BYTES:
        raise DeckError(f"{path}: more than {MAX_DECK_BYTES // 1_000_000} MB, so not a Marp deck (a deck is text; "
                        "a device or a pipe is not one): name the .md file of the slides")
    if b"\x00" in data:
        raise DeckError(f"{path}: has NUL bytes, so it is not a text file: name the Marp deck (.md)")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark is not part of the deck (Marp ignores it too)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DeckError(f"{path}:{line}: is not UTF-8 text (byte 0x{data[exc.start]:02x}); save the deck as "
                        "UTF-8 (e.g. iconv -f latin1 -t utf-8)") from exc
    if not text.strip():
        raise DeckError(f"{path}: is empty: there is no slide to build")
    deck = parse_deck(text, path)
    if len(deck.slides) > MAX_SLIDES or len(deck.refs) > MAX_REFS:
        raise DeckError(f"{path}: {len(deck.slides)} slides and {len(deck.refs)} images and videos; a lecture "
                        f"this builder takes has at most {MAX_SLIDES} slides and {MAX_REFS} pictures (Marp CLI "
                        "would work on it for many minutes): split the deck")
    return deck


def _markdown() -> MarkdownIt:
    # Marp's options: HTML allowed (the builder calls Marp CLI with --html), GFM tables
    return MarkdownIt("commonmark", {"html": True}).enable("table")


def front_matter(text: str) -> dict[str, str]:
    """The deck's front matter as Marp reads its global directives: ``key: value`` lines
    (quotes removed); {} when there is none."""
    end = _front_matter_end(text)
    out = {}
    for line in text[:end].splitlines()[1:-1]:
        m = re.match(r"\s*([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$", line)
        if m:
            out[m.group(1)] = m.group(2).strip("\"'")
    return out


def front_matter_text(text: str) -> str:
    """The deck's front matter as written ('' when there is none): its ``style`` block too."""
    return text[:_front_matter_end(text)]


def _front_matter_end(text: str) -> int:
    """Offset just after a YAML front matter (Marpit's: '---' on the first line to the
    next '---' line), or 0."""
    m = re.match(r"---[ \t]*\r?\n", text)
    if not m:
        return 0
    close = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)", re.MULTILINE).search(text, m.end())
    return close.end() if close else 0


class _Tags(HTMLParser):
    """Start tags and comments of an HTML fragment, with their positions."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, dict, tuple[int, int], str]] = []  # kind, name, attrs, (line, col), raw

    def handle_starttag(self, tag, attrs):
        self.found.append(("tag", tag, {k: (v or "") for k, v in attrs}, self.getpos(), self.get_starttag_text()))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.found.append(("end", tag, {}, self.getpos(), ""))

    def handle_comment(self, data):
        self.found.append(("comment", "", {}, self.getpos(), data))

    @classmethod
    def of(cls, html: str) -> list:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser.found


def sibling_url(url: str, name: str) -> str:
    """The deck's URL with its file name replaced by ``name``, its folder kept (its query
    and fragment dropped: they belong to the file it named)."""
    head = url.split("?")[0].split("#")[0].replace("\\", "/")  # the folder as a browser reads it (see _decode)
    folder = head.rpartition("/")[0]
    return f"{folder}/{name}" if folder else name


def _decode(url: str) -> tuple[str, bool] | None:
    """(the file a URL names relative to the deck, whether it leaves the deck's folder),
    or None for what is not a local file (http:, data:, a bare #fragment)."""
    url = url.strip().replace("\\", "/")  # a browser reads a backslash in a file URL as a slash
    if not url or url.startswith("#") or url.startswith("//") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url):
        return None
    path = unquote(urlsplit(url).path)
    if not path:
        return None
    if path.startswith("/"):
        return path, True
    norm = posixpath.normpath(path)
    if norm == ".." or norm.startswith("../"):
        return path, True
    return norm, False


def parse_deck(text: str, path: Path = Path("slides.md")) -> DeckSource:
    """The deck's slides, asset references, media tags and comments."""
    deck = DeckSource(Path(path), text)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def offset(line: int, col: int = 0) -> int:  # 0-based line
        return (starts[line] if line < len(starts) else len(text)) + col

    fm_end = _front_matter_end(text)
    fm_lines = text.count("\n", 0, fm_end)
    body = "\n" * fm_lines + text[fm_end:]  # same line numbers, front matter blanked
    tokens = _markdown().parse(body)

    # 1. Slides: what markdown-it's horizontal rules (at the top level) separate
    seps = [(offset(t.map[0]), offset(t.map[1])) for t in tokens if t.type == "hr" and t.level == 0 and t.map]
    for i, (a, b) in enumerate(zip([fm_end] + [e for _, e in seps], [s for s, _ in seps] + [len(text)])):
        deck.slides.append(Slide(i + 1, "", a, b))

    for k, tok in enumerate(tokens):
        if tok.type in ("fence", "code_block") and tok.map:
            deck.code_lines.update(range(tok.map[0], tok.map[1]))
        if tok.type == "heading_open" and tok.map:
            slide = deck.slide_at(offset(tok.map[0]))
            if not slide.title:
                slide.title = tokens[k + 1].content.strip()
        if tok.type == "inline" and tok.map:
            slide = deck.slide_at(offset(tok.map[0]))
            slide.text += " " + tok.content
            _read_inline(deck, tok, offset, text)
        if tok.type == "html_block" and tok.map:
            a = offset(tok.map[0])  # the deck's own text (its \r\n kept), so that offsets hold
            _read_html(deck, text[a:offset(tok.map[1])], a, text)
        if tok.type == "table_open" and tok.map:
            header = []
            for t in tokens[k:]:
                if t.type == "inline":
                    header.append(t.content.strip())
                if t.type == "tr_close":
                    break
            deck.tables.append((offset(tok.map[0]), offset(tok.map[1]), header))
    return deck


def _read_inline(deck: DeckSource, tok, offset, text: str) -> None:
    """Markdown images (markdown-it's own tokens) and the HTML inline in a paragraph."""
    a, b = offset(tok.map[0]), offset(tok.map[1])
    line0 = tok.map[0]
    source = text[a:b]
    for child in tok.children or []:
        if child.type == "image":
            src = child.attrGet("src") or ""
            _add_ref(deck, src, "image", a + max(source.find(_raw_hint(src)), 0), slot=False)
    inline_html = [c.content for c in tok.children or [] if c.type == "html_inline"]
    if inline_html:
        _read_html(deck, source, a, text, only=inline_html, line0=line0)


def _raw_hint(src: str) -> str:
    tail = unquote(src).rsplit("/", 1)[-1]
    return tail.split("?")[0].split("#")[0] or src


def _add_ref(deck: DeckSource, url: str, kind: str, at: int, slot: bool) -> None:
    decoded = _decode(url)
    if decoded is None:
        return
    path, outside = decoded
    deck.refs.append(Ref(url, path, kind, deck.line_of(at), deck.slide_at(at).number, slot, outside, at))


def _read_html(deck: DeckSource, html: str, base: int, text: str, only: list[str] | None = None,
               line0: int | None = None, slot: bool = False) -> None:
    """Media tags and comments of an HTML fragment that starts at offset ``base``."""
    expected = list(only) if only is not None else None
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", html)]
    open_videos: list[int] = []
    for kind, name, attrs, (line, col), raw in _Tags.of(html):
        at = base + line_starts[line - 1] + col
        if kind == "end":
            if name in ("video", "iframe") and open_videos:
                i = open_videos.pop()
                end = text.find(">", at)
                t = deck.tags[i]
                deck.tags[i] = Tag(t.name, t.attrs, t.start, t.end, t.slide, t.slot, len(text) if end < 0 else end + 1)
            continue
        if expected is not None:  # inline HTML: only what markdown-it saw as HTML (not `code`)
            want = raw if kind == "tag" else f"<!--{raw}-->"
            if want not in expected:
                continue
            expected.remove(want)
        if kind == "comment":
            end = text.find("-->", at + 4)
            end = len(text) if end < 0 else end + 3
            _read_comment(deck, raw, at, end)
        elif name == "iframe":  # a twin of ours (deck --interactive): a tag, with its end, and no reference
            deck.tags.append(Tag(name, attrs, at, at + len(raw), deck.slide_at(at).number, slot))
            open_videos.append(len(deck.tags) - 1)
        elif name in MEDIA_TAGS:
            end = at + len(raw)
            deck.tags.append(Tag(name, attrs, at, end, deck.slide_at(at).number, slot))
            if name == "video":
                open_videos.append(len(deck.tags) - 1)
            if attrs.get("src"):
                _add_ref(deck, attrs["src"], "image" if name == "img" else "video", at, slot)
            if name == "video" and attrs.get("poster"):
                _add_ref(deck, attrs["poster"], "poster", at, slot)


def _read_comment(deck: DeckSource, inner: str, start: int, end: int) -> None:
    slide = deck.slide_at(start)
    is_slot = _only_media(inner)
    deck.comments.append(Comment(start, end, inner, deck.line_of(start), slide.number, is_slot,
                                 not is_slot and bool(_PLACEHOLDER.search(inner))))
    if is_slot:  # its media are assets, at their place in the text
        sub = parse_deck(inner)
        for tag in sub.tags:
            close = None if tag.close is None else start + 4 + tag.close
            deck.tags.append(Tag(tag.name, tag.attrs, start + 4 + tag.start, start + 4 + tag.end, slide.number, True,
                                 close))
        for ref in sub.refs:
            at = start + 4 + ref.at
            deck.refs.append(Ref(ref.url, ref.path, ref.kind, deck.line_of(at), slide.number, True, ref.outside, at))


def _only_media(inner: str) -> bool:
    """A comment whose whole content is media tags or Markdown images (and space)."""
    if not inner.strip():
        return False
    seen = False
    for tok in _markdown().parse(inner):
        if tok.type in ("paragraph_open", "paragraph_close"):
            continue
        if tok.type == "inline":
            for child in tok.children or []:
                if child.type == "image":
                    seen = True
                elif child.type in ("softbreak", "hardbreak") or (child.type == "text" and not child.content.strip()):
                    continue
                elif child.type == "html_inline" and _media_html(child.content):
                    seen = True
                else:
                    return False
        elif tok.type == "html_block":
            if not _media_html(tok.content):
                return False
            seen = True
        else:
            return False
    return seen


class _Words(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ok = True

    def handle_starttag(self, tag, attrs):
        self.ok &= tag in (*MEDIA_TAGS, "track")

    def handle_endtag(self, tag):
        self.ok &= tag in (*MEDIA_TAGS, "track")

    def handle_data(self, data):
        self.ok &= not data.strip()

    def handle_comment(self, data):
        self.ok = False


def _media_html(html: str) -> bool:
    p = _Words()
    p.feed(html)
    p.close()
    return p.ok
