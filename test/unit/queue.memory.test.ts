import { MemoryQueue } from '../../src/queue/memory';
import { StoreUnavailableError } from '../../src/queue/queue';
import { newJob, queueContract, T0 } from './queue-contract';

queueContract('memory', async () => {
  const queue = new MemoryQueue();
  // the store lives as long as the object: "reopening" is using it again
  return { queue, reopen: async () => queue, cleanup: () => queue.close() };
});

describe('MemoryQueue', () => {
  it('can be made unavailable and available again', async () => {
    const queue = new MemoryQueue();
    queue.setAvailable(false);
    await expect(queue.accept('misskey', 'e1', [newJob('e1')], T0)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(queue.ping()).rejects.toBeInstanceOf(StoreUnavailableError);

    queue.setAvailable(true);
    await expect(queue.ping()).resolves.toBeUndefined();
    await expect(queue.accept('misskey', 'e1', [newJob('e1')], T0)).resolves.toBe('stored');
  });
});
