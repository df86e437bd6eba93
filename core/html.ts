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
/** Every page's: a focus ring keyboard users can see, and text for screen readers only. */
const BASE_STYLE = `:focus-visible{outline:2px solid #8ab4ff;outline-offset:2px} p a,h1 a{text-decoration:underline;text-underline-offset:2px} .sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`;

export const PAGE_HEAD = `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" type="image/svg+xml" href="data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}"><style>${BASE_STYLE}</style>`;

/**
 * The forms' layout (the side-by-side setup, the ABR lab): a label column and a field column,
 * one column on a phone; long option texts and checkbox rows wrap instead of widening the page.
 */
export const FORM_STYLE = `form{background:#171a21;border:1px solid #262a33;border-radius:10px;padding:16px;display:grid;grid-template-columns:140px minmax(0,1fr);gap:12px;align-items:center}
select,button{background:#262a33;color:#e8e8ea;border:1px solid #353a45;border-radius:6px;padding:6px 10px;max-width:100%} button{cursor:pointer;justify-self:start}
label{white-space:nowrap;margin-right:10px;display:inline-block} p{color:#9aa0aa}
@media (max-width:600px){form{grid-template-columns:minmax(0,1fr)} label{white-space:normal}}`;

/** Wide tables scroll inside themselves on a narrow screen instead of widening the page. */
export const SCROLLING_TABLES = `table{display:block;max-width:100%;overflow-x:auto}`;
