/**
 * Language tags as packages carry them (DASH `@lang` and HLS `LANGUAGE` are BCP 47): the
 * ISO 639-2 codes containers tag streams with ("eng", "fre") made the short form where one
 * exists ("en", "fr"), and a browser's preferences matched against them.
 */

/** ISO 639-2 (bibliographic and terminology) -> ISO 639-1, for the languages a catalog most often has. */
const SHORT: Record<string, string> = {
  eng: 'en', fra: 'fr', fre: 'fr', deu: 'de', ger: 'de', spa: 'es', ita: 'it', por: 'pt', rus: 'ru', jpn: 'ja',
  zho: 'zh', chi: 'zh', kor: 'ko', ara: 'ar', hin: 'hi', nld: 'nl', dut: 'nl', swe: 'sv', nor: 'no', nob: 'nb',
  nno: 'nn', dan: 'da', fin: 'fi', pol: 'pl', tur: 'tr', ces: 'cs', cze: 'cs', ell: 'el', gre: 'el', heb: 'he',
  hun: 'hu', ukr: 'uk', ron: 'ro', rum: 'ro', bul: 'bg', hrv: 'hr', srp: 'sr', slk: 'sk', slo: 'sk', slv: 'sl',
  cat: 'ca', eus: 'eu', baq: 'eu', glg: 'gl', vie: 'vi', tha: 'th', ind: 'id', msa: 'ms', may: 'ms', fas: 'fa',
  per: 'fa', urd: 'ur', ben: 'bn', tam: 'ta', tel: 'te', isl: 'is', ice: 'is', gle: 'ga', cym: 'cy', wel: 'cy',
  est: 'et', lav: 'lv', lit: 'lt', afr: 'af', swa: 'sw', fil: 'fil', tgl: 'tl',
};

const TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

/** A stream's language tag as a BCP 47 tag: "eng" -> "en", "pt-BR" kept, none or "und" or garbage -> "und". */
export function normalizeLang(tag: string | undefined): string {
  const t = (tag ?? '').trim();
  if (!t || !TAG.test(t)) return 'und';
  const [primary, ...rest] = t.split('-');
  const lower = primary.toLowerCase();
  if (lower === 'und' || lower === 'mis' || lower === 'mul' || lower === 'zxx') return 'und';
  return [SHORT[lower] ?? lower, ...rest].join('-');
}

/**
 * Which of `available` (BCP 47 tags) a viewer with these preferences (navigator.languages,
 * best first) gets: an exact match first, then the same primary language; undefined if none.
 */
export function preferredLang(available: string[], preferences: readonly string[]): string | undefined {
  const primary = (t: string) => t.toLowerCase().split('-')[0];
  for (const want of preferences) {
    const exact = available.find((a) => a.toLowerCase() === want.toLowerCase());
    if (exact) return exact;
    const near = available.find((a) => primary(a) === primary(want));
    if (near) return near;
  }
  return undefined;
}

/** A language's name for a menu, in the viewer's language where the browser knows it ("fr" -> "French"). */
export function langName(tag: string, inLocale?: string): string {
  if (tag === 'und') return 'Unknown language';
  try {
    const names = new Intl.DisplayNames(inLocale ? [inLocale] : undefined, { type: 'language' });
    return names.of(tag) ?? tag;
  } catch {
    return tag;
  }
}
