/**
 * Seeded pseudo-random MFM-ish text for differential tests of the MFM parser: every piece of MFM
 * syntax, near-misses of it, and the characters its rules look at, mixed at random and nested.
 */
import { seededRandom } from './seeded-random';

/** Opening and closing pieces of nestable syntax. */
const PAIRS: [string, string][] = [
  ['**', '**'],
  ['***', '***'],
  ['__', '__'],
  ['*', '*'],
  ['_', '_'],
  ['~~', '~~'],
  ['<b>', '</b>'],
  ['<i>', '</i>'],
  ['<s>', '</s>'],
  ['<small>', '</small>'],
  ['<center>', '</center>'],
  ['\n<center>\n', '\n</center>\n'],
  ['<plain>', '</plain>'],
  ['`', '`'],
  ['```\n', '\n```'],
  ['\n```js\n', '\n```\n'],
  ['\\(', '\\)'],
  ['\\[', '\\]'],
  ['\n\\[\n', '\n\\]\n'],
  ['$[x2 ', ']'],
  ['$[fg.color=f00 ', ']'],
  ['$[spin.speed=2s,left ', ']'],
  ['$[flip.h,v ', ']'],
  ['$[a.b=1.5,c=x-y,d ', ']'],
  ['[', '](https://a.example/p)'],
  ['?[', '](https://a.example/(q))'],
  ['[', '](<https://a.example/a b>)'],
  ['[', ']'],
  ['(', ')'],
  ['#t(', ')'],
  ['#t[', ']'],
  ['#t「', '」'],
  ['#t（', '）'],
  ['https://a.example/(', ')'],
  ['https://a.example/[', ']'],
  ['> ', '\n'],
  ['\n> ', '\n> '],
  ['「', '」'],
];

/** Pieces on their own: syntax, near-misses and the characters the rules look at. */
const PIECES = [
  ...PAIRS.flat(),
  '$[', '$[x', '$[x.', '$[x.y', '$[x.y=', '$[x.y=,', '$[x.__proto__ ', '$[x.y,y=2 ', ']', ')', '(', '[', '?', '?[', '](', '](https://a.example)', '](http://b.example/c.,)', '](https://.,)',
  '<', '>', '<https://', '<https://a.example/x?y=1>', '<http://a.example>', '<https://a.example x>', '<https://>',
  'h', 'ht', 'http', 'https:', 'https://', 'http://', 'https://a.example', 'https://a.example/p_(x)?q=1&r=2#f', 'https://a.b/c.,', 'https://.,', 'http://a.b/[c](d)', 'xhttps://a.example',
  '@', '@a', '@user', '@user_1', '@user@host.example', '@a.', '@a-', '@-a', '@.a', '@a@-b', '@a@b.', '@a@.', '@a@b-.', '@a.@b', '@a@@b', 'x@a', '@@a',
  '#', '#tag', '#タグ', '#a(b)', '#a[b', '#123', '#12a', '#a「b」', '#（x）', '#a_b', '#a.b', '#a,b', '#a/b', '#a:b', '#a<b', '#a【b】', 'x#a', '#a#b',
  ':', ':e:', ':emoji:', ':a_b+c-d:', ':a:b', 'x:a:', ':a::b:', '::',
  '🍣', '👍🏽', '👨‍👩‍👧', '👨🏻‍❤️‍💋‍👨🏻', '1️⃣', '1⃣', '#️⃣', '*️⃣', '\ufe0f', '\u200d', '\u20e3', '🏻', '\ud83d', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '©', '©️', '™', '↔️', '〽', '㊗', '🇯🇵', '🏴‍☠️', '☀️',
  '>', '> ', '>>', '> a', '>\t', '>\u3000q', '\n>', '\n> q\n', '\n\n> q\n\n',
  'search', 'Search', 'SEARCH', '検索', ' search', ' [search]', ' 検索', ' [検索]', ' [Search]', '\u3000search', '\tsearch', 'a search', 'a search\n', ' [search', 'search]',
  '```', '```\n', '\n```\n', '```js\n', '`', '´', '``',
  '\\', '\\(', '\\)', '\\[', '\\]', '\n\\[', '\\]\n',
  '*', '**', '***', '****', '_', '__', '___', '~', '~~', '~~~',
  '<b>', '</b>', '<i>', '</i>', '<s>', '</s>', '<small>', '</small>', '<center>', '</center>', '<plain>', '</plain>', '<plain>\n', '\n</plain>',
  '\n', '\n', '\r\n', '\r', '\n\n', ' ', ' ', '\u3000', '\t',
  'a', 'Z', '9', '0', '.', ',', '-', '!', '"', "'", '/', '=', '&', '%', '+', '$', 'abc', 'hello world', 'x1', 'あいう', '漢字', '「', '」', '（', '）', '【', '】',
];

const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('') + '\n\n\r\u3000あ漢🍣';

/** One piece of random MFM-ish text of about `budget` pieces, nesting up to `depth` levels. */
function chunk(next: () => number, budget: number, depth: number): string {
  let out = '';
  while (budget > 0) {
    const roll = next();
    if (roll < 0.2 && depth > 0) {
      const [open, close] = PAIRS[Math.floor(next() * PAIRS.length)]!;
      const inner = chunk(next, Math.floor(next() * Math.min(budget, 6)), depth - 1);
      // sometimes unclosed, sometimes closed twice
      const closing = next() < 0.15 ? '' : next() < 0.05 ? close + close : close;
      out += open + inner + closing;
      budget -= 3;
    } else if (roll < 0.85) {
      out += PIECES[Math.floor(next() * PIECES.length)]!;
      budget--;
    } else {
      out += ASCII[Math.floor(next() * ASCII.length)]!;
      budget--;
    }
  }
  return out;
}

/** `count` random texts of up to `maxPieces` pieces, the same ones for the same seed. */
export function randomMfmTexts(seed: number, count: number, maxPieces = 16): string[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => chunk(next, 1 + Math.floor(next() * maxPieces), 1 + Math.floor(next() * 4)));
}

/** Text nested `levels` deep in random syntax, around a random middle. */
export function deeplyNested(next: () => number, levels: number): string {
  let text = chunk(next, 3, 0);
  for (let i = 0; i < levels; i++) {
    const [open, close] = PAIRS[Math.floor(next() * PAIRS.length)]!;
    text = open + text + close;
  }
  return text;
}
