import { featureSpec } from './feature-spec.js';
import { eachWord, foldAccents, singular, tokens } from './text.js';

const lexicon = (name: string) => new Set((featureSpec.lexicons?.[name] ?? []).flatMap(tokens));
/** Words that describe an item (colours, units) rather than name one: "mouse Black" is still a mouse. */
const ATTRIBUTE = lexicon('title_attribute');
/** Words that open a clause ("with", "for"): what the title names ends before them. */
const CLAUSE = lexicon('title_clause');
/** Words after a product name that do not change what the item is: "PlayStation 4 Pro", "battery pack". */
const SAME_THING = lexicon('title_same_thing');
/** Words after which a title lists what the item goes with: "Car Charger for iPod". */
const COMPATIBILITY = lexicon('title_compatibility');
/** Punctuation that ends a noun phrase: "Micro SDHC Card + Adapter", "Epson Lamp - ELPLP41", "iPod)". */
const BREAK = /[,()[\]+&|;:]|\s[-–]\s/;

interface Word {
  raw: string;
  token: string;
  before: string;
}

/** The title's alphanumeric runs with the text before each, capitals kept, accents folded. */
function words(title: string): Word[] {
  const out: Word[] = [];
  let end = 0;
  const folded = foldAccents(title);
  eachWord(folded, (start, stop) => {
    const raw = folded.slice(start, stop);
    out.push({ raw, token: singular(raw.toLowerCase()), before: folded.slice(end, start) });
    end = stop;
  });
  return out;
}

/** Whether a title word names another thing: a plain word, not a number, model code, acronym or attribute. */
function namesAThing(w: Word, titleIsUpperCase: boolean): boolean {
  if (!/^[a-z]+$/.test(w.token) || ATTRIBUTE.has(w.token) || CLAUSE.has(w.token)) return false;
  // Short capitals are acronyms of specs ("mouse USB", "Tablet PC"), unless the whole title shouts.
  return !(w.raw.length <= 4 && w.raw === w.raw.toUpperCase() && !titleIsUpperCase);
}

/**
 * For one query, a function giving 1 if a title names what the query asks for: its head word (the last
 * query word with a letter, "playstation" in "playstation 4") appears as the thing the item is, 0 if it
 * only appears as a modifier ("Gaming mouse pad", "Monitor Stand"), after "for" or inside parentheses
 * ("Car Charger for iPod", "Holder (iPhone / iPod)"), or as one of a "/" list of what the item fits
 * ("Mobile phone/Smartphone"). An occurrence is the thing when what follows it (past the query's own
 * words and words like "pro" or "pack") is the end, a break, a number or code, an attribute or a clause.
 * `titleWords` are the title's tokens(). This needs no list of accessories, so it holds for products
 * and accessories never seen in training. Built once per query: a search asks it of 200 titles.
 */
export function titleHeadMatcher(query: string[]): (title: string, titleWords: Set<string>) => number {
  const head = [...query].reverse().find((t) => /[a-z]/.test(t));
  return (title, titleWords) => {
    // Most of 200 candidates lack the word; reading a title word by word is the costly part (~2 us a title).
    if (head === undefined || !titleWords.has(head)) return 0;
    const ws = words(title);
    const upperCase = title === title.toUpperCase();
    let listsFits = false;
    // Words inside parentheses are asides ("Holder (iPhone / iPod)"); what follows them is the title again
    // ("SuperMulti (DL) DVD Drive").
    let parens = 0;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      if (COMPATIBILITY.has(w.token)) listsFits = true;
      for (const ch of w.before) parens = ch === '(' ? parens + 1 : ch === ')' ? Math.max(0, parens - 1) : parens;
      if (w.token !== head || listsFits || parens > 0 || w.before.trim() === '/') continue;
      let j = i + 1;
      while (
        j < ws.length &&
        !BREAK.test(ws[j]!.before) &&
        (query.includes(ws[j]!.token) || SAME_THING.has(ws[j]!.token))
      )
        j++;
      const next = ws[j];
      if (next === undefined || BREAK.test(next.before) || !namesAThing(next, upperCase)) return 1;
    }
    return 0;
  };
}
