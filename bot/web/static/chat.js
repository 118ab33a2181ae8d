() => {
  // Screen readers hear a short line per reply (the answer, then how many sources), not the
  // whole bubble: Gradio's live chat log is silenced, its raw-markup labels are removed, and one
  // polite status region speaks the reply's hidden .pb-say line (see bot/web/replies.py). In the
  // log, each message starts with who says it.
  const live = document.createElement('div');
  live.id = 'pb-announce';
  live.className = 'pb-sr-only';
  live.setAttribute('role', 'status');
  live.setAttribute('aria-live', 'polite');
  document.body.appendChild(live);
  const tidy = () => {
    document.querySelectorAll('#pb-chat [role=log][aria-live]').forEach((log) => {
      if (log.getAttribute('aria-live') !== 'off') log.setAttribute('aria-live', 'off');
    });
    document.querySelectorAll('#pb-chat [data-testid=bot][aria-label], #pb-chat [data-testid=user][aria-label]')
      .forEach((m) => m.removeAttribute('aria-label'));
    // Who says each message, for screen readers only ("You: ", "Assistant: "), as text before it:
    // every screen reader reads it in order, where an aria-label on a plain div is often skipped.
    document.querySelectorAll('#pb-chat [data-testid=user], #pb-chat [data-testid=bot]').forEach((m) => {
      if (m.querySelector(':scope > .pb-who')) return;
      const who = document.createElement('span');
      who.className = 'pb-sr-only pb-who';
      who.textContent = m.getAttribute('data-testid') === 'user' ? 'You: ' : 'Assistant: ';
      m.insertBefore(who, m.querySelector(':scope > .message-content') || m.firstChild);
    });
    // Gradio marks the example questions up as a list of buttons with no list items: a group.
    document.querySelectorAll('#pb-chat .examples[role=list]').forEach((g) => {
      g.setAttribute('role', 'group');
      g.setAttribute('aria-label', 'Example questions');
    });
    // Gradio's accordion button does not say whether it is open, and its "▼" is read in its name.
    document.querySelectorAll('#pb-glance button.label-wrap, #pb-compare button.label-wrap').forEach((b) => {
      const open = String(b.classList.contains('open'));
      if (b.getAttribute('aria-expanded') !== open) b.setAttribute('aria-expanded', open);
      b.querySelectorAll('.icon:not([aria-hidden])').forEach((i) => i.setAttribute('aria-hidden', 'true'));
    });
    // The Compare table's sort arrow is a bare span with a label: an image, to assistive technology.
    document.querySelectorAll('#pb-compare-table .sort-indicator[aria-label]:not([role])')
      .forEach((s) => s.setAttribute('role', 'img'));
  };
  new MutationObserver(tidy).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                      attributeFilter: ['aria-label', 'aria-live', 'role']});
  // The accordion's open state is a class Gradio sets after the click (Enter and Space click too).
  document.addEventListener('click', (e) => {
    if (e.target.closest && e.target.closest('#pb-glance button.label-wrap, #pb-compare button.label-wrap')) {
      setTimeout(tidy, 0);
    }
  }, true);
  tidy();
}
