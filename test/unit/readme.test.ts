import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const headings = (file: string) =>
  readFileSync(path.join(ROOT, file), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('## '))
    .map((line) => line.slice(3).trim());

/** Each top-level section of README.md and its heading in README.ja.md. */
const SECTIONS: Record<string, string> = {
  'Quick start': 'クイックスタート',
  Configuration: '設定',
  'Without a public URL': '公開 URL なしで使う',
  Templates: 'テンプレート',
  'Operations page': '運用ページ',
  'Conversations: threads and edits': '会話: スレッドと編集',
  Discord: 'Discord',
  Slack: 'Slack',
  Matrix: 'Matrix',
  'Moderation from chat': 'チャットからのモデレーション',
  'Acting from chat': 'チャットから操作する',
  CLI: 'CLI',
  HTTP: 'HTTP',
  'Running it': '運用',
};

describe('README.md and README.ja.md', () => {
  it('have the same top-level sections, in the same order', () => {
    const english = headings('README.md');
    expect(english.filter((heading) => !(heading in SECTIONS))).toEqual([]);
    expect(headings('README.ja.md')).toEqual(english.map((heading) => SECTIONS[heading]));
  });

  it('link to each other', () => {
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain('(README.ja.md)');
    expect(readFileSync(path.join(ROOT, 'README.ja.md'), 'utf8')).toContain('(README.md)');
  });
});
