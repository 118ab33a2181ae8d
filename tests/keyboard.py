"""Keyboard-only use, checked the same way on the chat page and in the widget: wherever Tab or
Shift+Tab stops, focus is on an element that is on screen, has a name a screen reader can say, and
shows a focus ring a sighted keyboard user can see (WCAG 2.4.7, 1.4.11: 2 px or more, at 3:1 or more
against what is around it; "auto" is Chromium's own two-tone ring, which reads on any background)."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

# WCAG 2.1 relative luminance and contrast ratio, and the first opaque background at or behind a
# node (through shadow roots): shared by the focus-ring check here and the widget's contrast tests.
COLOUR_JS = """
  const lin = v => (v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = c => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const parse = c => {
    const v = (c.match(/[\\d.]+/g) || []).map(Number);
    return {rgb: v.slice(0, 3), a: v.length > 3 ? v[3] : 1};
  };
  const up = n => n.parentElement || (n.getRootNode() instanceof ShadowRoot ? n.getRootNode().host : null);
  const background = n => {
    for (; n; n = up(n)) { const b = parse(getComputedStyle(n).backgroundColor); if (b.a === 1) return b.rgb; }
    return [255, 255, 255];
  };
"""
# The focused element (inside shadow roots too) and its ring: [tag, outline style, width, contrast].
RING = "() => {" + COLOUR_JS + """
  let n = document.activeElement;
  while (n && n.shadowRoot && n.shadowRoot.activeElement) n = n.shadowRoot.activeElement;
  if (!n || n === document.body) return null;
  const s = getComputedStyle(n), inside = parseFloat(s.outlineOffset) < 0;
  return [n.tagName, s.outlineStyle, parseFloat(s.outlineWidth),
          ratio(parse(s.outlineColor).rgb, background(inside ? n : up(n)))];
}"""
# An aria snapshot's first line: - role "name" [state]: content, or - text: content (a summary).
SNAPSHOT_LINE = re.compile(r"""^- (?:'?(\w+) "(.+?)"(?: \[[^\]]*\])*'?(?::.*)?|text: (.+))$""")


def focus_stop(page: Page) -> tuple[str, str]:
    """(role, name) of the focused element, once it is checked to be visible, named and ringed.
    ("document", "") when focus has gone past the last element, to the browser's own controls."""
    ring = page.evaluate(RING)
    if ring is None:
        return "document", ""
    focused = page.locator(":focus").last  # the shadow host matches :focus too; the element itself is last
    first = focused.aria_snapshot().splitlines()[0]
    found = SNAPSHOT_LINE.match(first)
    assert found, f"focus is on something with no name: {first!r}"
    role, name = (found.group(1), found.group(2)) if found.group(1) else ("text", found.group(3))
    expect(focused).to_be_in_viewport()
    tag, style, width, contrast = ring
    assert style == "auto" or (style in ("solid", "double", "dashed", "dotted") and width >= 2 and contrast >= 3), (
        f"{role} {name!r} ({tag}) has no visible focus ring: {style} {width}px at {contrast:.2f}:1")
    return role, name


def press_until(page: Page, key: str, target: Locator, limit: int = 40) -> list[tuple[str, str]]:
    """Press ``key`` (Tab or Shift+Tab) until ``target`` has focus, checking every stop on the way;
    returns the stops, the target's last."""
    stops = []
    for _ in range(limit):
        page.keyboard.press(key)
        stops.append(focus_stop(page))
        if target.evaluate("n => n.matches(':focus')"):
            return stops
    raise AssertionError(f"{key} never reached {target}; it stopped at {stops}")
