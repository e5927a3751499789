import type { AuditEntry } from '../../src/store/audit';
import { describeStores, HOSTILE, T0 } from './contract';

const entry = (n: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  at: T0 + n,
  platform: 'discord',
  sink: 'mods',
  source: 'misskey',
  reportId: `r${n}`,
  action: 'resolve',
  actor: `u${n}`,
  outcome: 'done',
  ...overrides,
});

describeStores('AuditStore and ClaimStore', (t) => {
  describe('audit log', () => {
    it('lists the newest entries first, at most `limit`, and keeps them across a reopen', async () => {
      for (let n = 0; n < 5; n++) await t.store.audit.append(entry(n));
      expect((await t.store.audit.list(3)).map((e) => e.reportId)).toEqual(['r4', 'r3', 'r2']);
      await t.reopen();
      expect((await t.store.audit.list(10)).map((e) => e.reportId)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
      expect(await t.store.audit.list(0)).toEqual([]);
    });

    it('returns entries unchanged, hostile text included', async () => {
      const hostile = entry(1, { actorName: HOSTILE.join('\n'), detail: HOSTILE[1]!, outcome: 'failed', platform: 'matrix' });
      await t.store.audit.append(hostile);
      expect(await t.store.audit.list(1)).toEqual([hostile]);
    });
  });

  describe('claims', () => {
    it('gives a key to one caller until it expires or is given back', async () => {
      expect(await t.store.claims.claim('interaction:1', T0, 60_000)).toBe(true);
      expect(await t.store.claims.claim('interaction:1', T0 + 1, 60_000)).toBe(false);
      expect(await t.store.claims.claim('interaction:2', T0 + 1, 60_000)).toBe(true);
      await t.store.claims.unclaim('interaction:1');
      expect(await t.store.claims.claim('interaction:1', T0 + 2, 60_000)).toBe(true);
    });

    it('lets a key be taken again once its claim has expired', async () => {
      expect(await t.store.claims.claim('action:r1', Date.now(), 50)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 120));
      // Redis expires by its own clock, SQLite by `now`: both have passed the claim's end
      expect(await t.store.claims.claim('action:r1', Date.now(), 50)).toBe(true);
    });
  });
});
