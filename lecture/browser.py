"""The system Chromium, and what it measures of a built deck's slides.

Debian's Chromium (``./run.sh browser``), driven by Playwright for Python through
``executable_path`` (no browser is ever downloaded): a 1280x720 page of it
(``chromium_page``), its browser for pages of other kinds (``chromium_browser``), and
``MEASURE``, run in the page: what a slide of Marp's HTML draws against the slide, its
padding and its title. The check (lecture/check.py) runs it on each slide shown as a
lecturer shows it (``#N``, once ``SETTLED``); Fit (lecture/fit.py) on every slide at
once (``layout_slides``): the same layout, without the wait for each slide.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from pathlib import Path

from lecture.marp import find_browser

__all__ = ["CheckError", "VIEWPORT", "BROWSER_ARGS", "MEASURE", "SETTLED", "chromium_browser", "chromium_page",
           "layout_slides", "KeptPage"]

VIEWPORT = (1280, 720)
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]



class CheckError(RuntimeError):
    """The check could not run (no Chromium, no Playwright, no HTML): how to fix it."""


# Runs in the page: what slide n draws, measured against the slide (in the slide's px).
MEASURE = r"""
(n) => {
  const secs = [...document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')];
  const sec = secs[n - 1];
  const S = sec.getBoundingClientRect();
  const scale = S.width / sec.offsetWidth;
  const heading = sec.querySelector('h1, h2, h3');
  const T = heading ? heading.getBoundingClientRect() : null;
  const out = {title: heading ? heading.textContent.trim() : '', items: [], broken: [], videos: [], posters: []};
  const name = (el) => {
    const tag = el.tagName.toLowerCase();
    if (tag === 'img') return 'img ' + el.getAttribute('src');
    if (tag === 'video') {
      const s = el.getAttribute('src') || (el.querySelector('source') || {getAttribute: () => ''}).getAttribute('src');
      return 'video ' + s;
    }
    if (tag === 'iframe' && el.dataset.twin) return 'twin ' + el.getAttribute('src');
    if (tag === 'mjx-container') return 'formula';
    return tag + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
  };
  const visible = (cs) => cs.display !== 'none' && cs.visibility !== 'hidden' && parseFloat(cs.opacity) > 0;
  const boxed = (cs) => (cs.backgroundColor !== 'rgba(0, 0, 0, 0)' && cs.backgroundColor !== 'transparent') ||
      ['Top', 'Right', 'Bottom', 'Left'].some(s => parseFloat(cs['border' + s + 'Width']) > 0 &&
                                                   cs['border' + s + 'Style'] !== 'none');
  const add = (rect, what, inTitle, natural, sized) => {
    if (rect.width < 0.5 || rect.height < 0.5) return;
    out.items.push({what, inTitle, top: (rect.top - S.top) / scale, bottom: (rect.bottom - S.top) / scale,
                    left: (rect.left - S.left) / scale, right: (rect.right - S.left) / scale,
                    natural: natural || 0, sized: sized || ''});
  };
  const walk = (el, inTitle) => {
    const cs = getComputedStyle(el);
    if (!visible(cs)) return;
    const tag = el.tagName.toLowerCase();
    inTitle = inTitle || el === heading;
    if (['img', 'video', 'svg', 'canvas', 'iframe', 'mjx-container', 'table'].includes(tag)) {
      add(el.getBoundingClientRect(), name(el), inTitle,
          tag === 'img' ? el.naturalHeight : tag === 'video' ? el.videoHeight : 0,
          ['width', 'height'].map(a => el.getAttribute(a) ? a + '="' + el.getAttribute(a) + '"' : '')
            .concat([el.style.width ? 'width:' + el.style.width : '', el.style.height ? 'height:' + el.style.height : ''])
            .filter(Boolean).join(' '));
      if (tag === 'img' && el.complete && el.naturalWidth === 0) out.broken.push(name(el) + ' did not load');
      if (tag === 'video' && (el.error || el.readyState < 1)) out.broken.push(name(el) + ' did not load');
      if (tag === 'video') {
        const t = el.querySelector('track');
        if (t && t.readyState === 3) out.broken.push(name(el) + ': its captions did not load');
        if (el.getAttribute('poster')) out.posters.push({what: name(el), poster: el.getAttribute('poster'), url: el.poster});
        out.videos.push({what: name(el), beat: el.dataset.beat || null, paused: el.paused, ended: el.ended,
                         time: el.currentTime, played0: el.played.length ? el.played.start(0) : null,
                         track: t ? {state: t.readyState, cues: t.track.cues ? t.track.cues.length : 0,
                                     times: t.track.cues ? [...t.track.cues].map(c => [c.startTime, c.endTime]) : []}
                                  : null});
      }
      if (tag !== 'table') return;
    } else if (el !== sec && boxed(cs)) {
      add(el.getBoundingClientRect(), name(el), inTitle);
    }
    for (const child of el.childNodes) {
      if (child.nodeType === 1) walk(child, inTitle);
      else if (child.nodeType === 3 && child.textContent.trim()) {
        const r = document.createRange();
        r.selectNodeContents(child);
        const text = child.textContent.trim().replace(/\s+/g, ' ');
        for (const rect of r.getClientRects()) add(rect, 'text "' + text.slice(0, 40) + (text.length > 40 ? '…' : '') + '"', inTitle);
      }
    }
  };
  walk(sec, false);
  out.width = sec.offsetWidth; out.height = sec.offsetHeight;
  const cs = getComputedStyle(sec);
  out.padding = {top: parseFloat(cs.paddingTop), right: parseFloat(cs.paddingRight),
                 bottom: parseFloat(cs.paddingBottom), left: parseFloat(cs.paddingLeft)};
  if (T) out.titleBox = {top: (T.top - S.top) / scale, bottom: (T.bottom - S.top) / scale,
                         left: (T.left - S.left) / scale, right: (T.right - S.left) / scale};
  return out;
}
"""

# Waits until slide n's images are decoded and its videos have their first frame (or failed).
SETTLED = r"""
(n) => {
  const sec = document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')[n - 1];
  const svg = sec.closest('svg');
  if (!svg.classList.contains('bespoke-marp-active') && document.querySelector('.bespoke-marp-active')) return false;
  const imgs = [...sec.querySelectorAll('img')].every(i => i.complete);
  const vids = [...sec.querySelectorAll('video')].every(v => v.error || v.readyState >= 2 || v.networkState === 3);
  return imgs && vids;
}
"""



def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise CheckError("the browser check needs Playwright for Python (it drives the system Chromium): "
                         "./run.sh browser installs it") from exc
    return sync_playwright


@contextmanager
def chromium_browser():
    """The system Chromium, driven by Playwright (for pages of other kinds too: a phone's,
    a tablet's, one with touch or without JavaScript, through ``browser.new_context``);
    CheckError saying how to get either when missing."""
    browser_path = find_browser()
    if browser_path is None:
        raise CheckError("the browser check needs Chromium: ./run.sh browser installs Debian's chromium")
    with _playwright()() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def chromium_page():
    """A 1280x720 page of the system Chromium."""
    with chromium_browser() as browser:
        yield browser.new_page(viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]})




# Every image decoded (or failed) and every video's size known (or failed): what a layout needs.
LOADED = r"""
() => [...document.images].every(i => i.complete) &&
      [...document.querySelectorAll('video')].every(v => v.error || v.readyState >= 1 || v.networkState === 3)
"""


def layout_slides(html: Path, timeout_s: float = 10.0, page=None) -> list[tuple[int, dict]]:
    """Every slide of Marp's HTML ``html`` measured in one pass, none shown in turn: what
    the check measures with each slide shown in turn (``check_deck``) but its videos'
    playing state, about 3x as fast: Fit's layout. A slide not shown is laid out as it is
    when shown (tests/test_deck.py compares the two on the course deck). Waits for the
    page's images and its videos' sizes, or ``timeout_s``. ``page``, given (a
    ``KeptPage``'s), is loaded afresh instead of a Chromium being started for the one."""
    if page is None:
        with chromium_page() as fresh:
            return layout_slides(html, timeout_s, fresh)
    page.goto(Path(html).resolve().as_uri())
    page.wait_for_load_state("load")
    try:
        page.wait_for_function(LOADED, timeout=timeout_s * 1000)
    except Exception:  # noqa: BLE001  measured as it is
        pass
    slides = page.evaluate("(M) => { const measure = eval(M); const n = document.querySelectorAll("
                           "'svg[data-marpit-svg] > foreignObject > section').length; "
                           "return Array.from({length: n}, (_, i) => measure(i + 1)); }", MEASURE)
    return list(enumerate(slides, start=1))


class KeptPage:
    """A Chromium started when first asked for and kept until the ``with`` block ends:
    Fit's rounds of layout share one Chromium instead of starting one each (about
    0.8 s). Each ``get`` is a fresh 1280x720 page in a context of its own (so nothing an
    earlier layout loaded, such as a figure since drawn again, is served from its cache);
    the one before is closed."""

    def __init__(self) -> None:
        self._browser = None
        self._context = None
        self._stack: ExitStack | None = None

    def __enter__(self) -> KeptPage:
        self._stack = ExitStack()
        return self

    def get(self):
        if self._browser is None:
            self._browser = self._stack.enter_context(chromium_browser())
        if self._context is not None:
            self._context.close()
        self._context = self._browser.new_context(viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]})
        return self._context.new_page()

    def __exit__(self, *exc) -> None:
        stack, self._stack, self._browser, self._context = self._stack, None, None, None
        stack.close()
