import { DAY, describeStores, T0 } from './contract';

describeStores('InstanceStore', (t) => {
  describe('instances', () => {
    const instance = (id: string, heartbeatAt: number, leases = 0) => ({ id, host: 'bridge-1', pid: 4242, since: T0, leases, heartbeatAt });

    it('lists the latest heartbeat of each instance, the most recent first, and survives a reopen', async () => {
      await t.store.instances.heartbeat(instance('a', T0));
      await t.store.instances.heartbeat(instance('b', T0 + 1000, 3));
      await t.store.instances.heartbeat(instance('a', T0 + 2000, 1));
      await t.reopen();
      expect(await t.store.instances.list()).toEqual([instance('a', T0 + 2000, 1), instance('b', T0 + 1000, 3)]);
    });

    it('forgets an instance that stopped cleanly, and those silent for a day', async () => {
      await t.store.instances.heartbeat(instance('gone', T0));
      await t.store.instances.heartbeat(instance('old', T0));
      await t.store.instances.heartbeat(instance('live', T0 + 1000));
      await t.store.instances.forget('gone');
      await t.store.instances.heartbeat(instance('live', T0 + DAY + 1));
      expect((await t.store.instances.list()).map((known) => known.id)).toEqual(['live']);
    });
  });
});
