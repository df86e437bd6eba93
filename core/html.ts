/** Writing HTML by hand, safely: the pages' two escapes. */

/** Text (titles are the users') inside an element or an attribute. */
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON inside a <script> element: no "</script>" or "<!--" can close it early. */
export const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

/** dashlab's icon: a play sign over a rising bitrate ladder. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#171a21"/><rect x="5" y="21" width="5" height="6" rx="1" fill="#4cc38a"/><rect x="13.5" y="15" width="5" height="12" rx="1" fill="#f5a524"/><rect x="22" y="9" width="5" height="18" rx="1" fill="#8ab4ff"/><path d="M6 5l9 5-9 5z" fill="#e8e8ea"/></svg>';

/**
 * Every page's first lines: the character set, the phone-width viewport, and the icon inline
 * (so no page asks for /favicon.ico, and a self-contained report carries its own).
 */
export const PAGE_HEAD = `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" type="image/svg+xml" href="data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}">`;
