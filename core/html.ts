/** Writing HTML by hand, safely: the pages' two escapes. */

/** Text (titles are the users') inside an element or an attribute. */
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON inside a <script> element: no "</script>" or "<!--" can close it early. */
export const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

/** dashlab's icon: a play sign over a rising bitrate ladder. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#171a21"/><rect x="5" y="21" width="5" height="6" rx="1" fill="#4cc38a"/><rect x="13.5" y="15" width="5" height="12" rx="1" fill="#f5a524"/><rect x="22" y="9" width="5" height="18" rx="1" fill="#8ab4ff"/><path d="M6 5l9 5-9 5z" fill="#e8e8ea"/></svg>';

/**
 * The colours, named once: dark by default, light when the system asks for it
 * (prefers-color-scheme). Pages use only these names; charts read them at run time.
 */
const THEME = `:root{color-scheme:dark;--bg:#0f1115;--panel:#171a21;--line:#262a33;--button:#262a33;--edge:#353a45;--fg:#e8e8ea;--fg2:#c8ccd4;--muted:#9aa0aa;--link:#8ab4ff;--good:#4cc38a;--orange:#f5a524;--red:#e5484d;--err:#ff8a8a;--err-bg:#2a1719;--err-line:#5c2a2e;--warn:#d9c27a;--warn-bg:#26220f;--warn-line:#4d4420}
@media (prefers-color-scheme:light){:root{color-scheme:light;--bg:#ffffff;--panel:#f4f5f7;--line:#dcdfe5;--button:#e9ebef;--edge:#a9b0bc;--fg:#16181d;--fg2:#2f343d;--muted:#555b66;--link:#1a5fd0;--good:#137a4a;--orange:#b86e00;--red:#c62f35;--err:#a4201a;--err-bg:#fdecea;--err-line:#efb3ae;--warn:#6d5200;--warn-bg:#fff5d1;--warn-line:#e3cf85}}`;

/** Every page's: the theme, a focus ring keyboard users can see, underlined links in running text, and text for screen readers only. */
const BASE_STYLE = `${THEME}
:focus-visible{outline:2px solid var(--link);outline-offset:2px} p a,h1 a{text-decoration:underline;text-underline-offset:2px} .sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`;

/**
 * Every page's first lines: the character set, the phone-width viewport, the icon inline
 * (so no page asks for /favicon.ico, and a self-contained report carries its own), and the base style.
 */
export const PAGE_HEAD = `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" type="image/svg+xml" href="data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}"><style>${BASE_STYLE}</style>`;

/**
 * The forms' layout (the side-by-side setup, the ABR lab): a label column and a field column,
 * one column on a phone; long option texts and checkbox rows wrap instead of widening the page.
 */
export const FORM_STYLE = `form{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:16px;display:grid;grid-template-columns:140px minmax(0,1fr);gap:12px;align-items:center}
select,button{background:var(--button);color:var(--fg);border:1px solid var(--edge);border-radius:6px;padding:6px 10px;max-width:100%} button{cursor:pointer;justify-self:start}
label{white-space:nowrap;margin-right:10px;display:inline-block} p{color:var(--muted)}
@media (max-width:600px){form{grid-template-columns:minmax(0,1fr)} label{white-space:normal}}`;

/** Wide tables scroll inside themselves on a narrow screen instead of widening the page (positioned: text for screen readers in a cell stays inside too). */
export const SCROLLING_TABLES = `table{display:block;max-width:100%;overflow-x:auto;position:relative}`;
