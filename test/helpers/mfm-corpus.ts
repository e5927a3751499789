import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CorpusEntry {
  name: string;
  text?: string;
  parts?: [string, number][];
}

/** The golden MFM corpus (test/golden/mfm/corpus.json), each entry's text spelled out. */
export function goldenMfmCorpus(): { name: string; text: string }[] {
  const { mfm } = JSON.parse(readFileSync(join(__dirname, '..', 'golden', 'mfm', 'corpus.json'), 'utf8')) as { mfm: CorpusEntry[] };
  return mfm
    .filter((e) => e.text !== undefined || e.parts !== undefined)
    .map((e) => ({ name: e.name, text: e.text ?? (e.parts ?? []).map(([piece, times]) => piece.repeat(times)).join('') }));
}
