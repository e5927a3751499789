import { cardLabels } from '../../src/interact/wording';
import { BUNDLED_TEMPLATES, TemplateSet } from '../../src/render/templates';
import { matrixSinkSchema } from '../../src/sinks/matrix/config';
import { actionOfKey, cardReport, REPORT_FIELD, withCardActions, withoutCardActions } from '../../src/sinks/matrix/actions';
import { buildContent } from '../../src/sinks/matrix/content';
import { checkMatrixHtml } from '../fakes/matrix-html-allowlist';

const base = { type: 'matrix', homeserver: 'https://matrix.example.org', accessToken: 't', room: '!r:example.org' };

describe('Matrix moderation: sink config', () => {
  it('takes a list of Matrix user ids as moderators', () => {
    expect(matrixSinkSchema.parse({ ...base, moderators: ['@mod:example.org'] }).moderators).toEqual(['@mod:example.org']);
    expect(matrixSinkSchema.parse(base).moderators).toBeUndefined();
  });

  it('refuses what is not a user id, and an empty list', () => {
    expect(() => matrixSinkSchema.parse({ ...base, moderators: ['mod'] })).toThrow(/Matrix user id/);
    expect(() => matrixSinkSchema.parse({ ...base, moderators: ['@mod'] })).toThrow(/Matrix user id/);
    expect(() => matrixSinkSchema.parse({ ...base, moderators: [] })).toThrow();
  });
});

describe('Matrix moderation: cards and reactions', () => {
  const content = buildContent([{ event: 'abuseReport', text: '<p>Report</p>', plain: 'Report', images: [], fields: [] }], {
    msgtype: 'm.notice',
    allowMentions: false,
  }).content;

  const templates = TemplateSet.load([BUNDLED_TEMPLATES], { timeZone: 'UTC', locale: 'en', slackCw: 'link' });
  const english = templates.wording();
  const japanese = templates.wording({ locale: 'ja', timeZone: 'Asia/Tokyo' });

  it('adds the hint line (allowlisted HTML) and the report, and takes them away again', () => {
    const card = withCardActions(content, { source: 'system', reportId: 'r1', remote: false, labels: cardLabels(english, false) });
    expect(card.body).toBe('Report\n\nReact ✅ to resolve');
    expect(checkMatrixHtml(card.formatted_body)).toEqual([]);
    expect(card[REPORT_FIELD]).toEqual({ source: 'system', id: 'r1', remote: false, hint: 'React ✅ to resolve' });
    expect(withoutCardActions(card)).toEqual(content);
    const remote = withCardActions(content, { source: 'system', reportId: 'r1', remote: true, labels: cardLabels(english, true) });
    expect(remote.body).toContain('↗️ to resolve and forward');
    expect(withoutCardActions(remote)).toEqual(content);
  });

  it('words the hint in the sink\'s language, and takes it away again', () => {
    const card = withCardActions(content, { source: 'system', reportId: 'r1', remote: true, labels: cardLabels(japanese, true) });
    expect(card.body).toBe('Report\n\n✅ でリアクションすると解決、↗️ で解決して転送します');
    expect(withoutCardActions(card)).toEqual(content);
  });

  it('takes the English hint away from a card posted before hints were worded per sink', () => {
    const card = withCardActions(content, { source: 'system', reportId: 'r1', remote: true, labels: cardLabels(english, true) });
    const { hint: _hint, ...older } = card[REPORT_FIELD]!;
    expect(withoutCardActions({ ...card, [REPORT_FIELD]: older })).toEqual(content);
  });

  it('reads the report back only when well formed', () => {
    expect(cardReport({ [REPORT_FIELD]: { source: 'system', id: 'abc123', remote: true } })).toEqual({ source: 'system', id: 'abc123', remote: true });
    expect(cardReport({ [REPORT_FIELD]: { source: 'system', id: 'abc123' } })).toEqual({ source: 'system', id: 'abc123', remote: false });
    expect(cardReport({ [REPORT_FIELD]: { source: 'sys:tem', id: 'a' } })).toBeUndefined();
    expect(cardReport({ [REPORT_FIELD]: { source: 'system', id: '../x' } })).toBeUndefined();
    expect(cardReport({ [REPORT_FIELD]: 'system:r1' })).toBeUndefined();
    expect(cardReport(undefined)).toBeUndefined();
  });

  it('maps ✅ and ↗️ to actions, with or without the variation selector', () => {
    expect(actionOfKey('✅')).toBe('resolve');
    expect(actionOfKey('✅\uFE0F')).toBe('resolve');
    expect(actionOfKey('↗️')).toBe('forward');
    expect(actionOfKey('↗')).toBe('forward');
    expect(actionOfKey('👍')).toBeUndefined();
    expect(actionOfKey('✅✅')).toBeUndefined();
    expect(actionOfKey(undefined)).toBeUndefined();
  });
});
