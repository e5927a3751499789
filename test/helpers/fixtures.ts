import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURES = path.resolve(__dirname, '../fixtures');

export interface Fixture {
  name: string;
  /** the webhook body */
  body: Record<string, unknown>;
  /** X-Misskey-Host as sent */
  host: string;
}

/** Every shared fixture: synthetic bodies and recorded requests. */
export function allFixtures(): Fixture[] {
  const synthetic = readdirSync(path.join(FIXTURES, 'misskey'))
    .filter((file) => file.endsWith('.json') && file !== 'headers.json')
    .map((file) => ({
      name: `misskey/${file}`,
      body: JSON.parse(readFileSync(path.join(FIXTURES, 'misskey', file), 'utf8')) as Record<string, unknown>,
      host: 'misskey.example',
    }));
  const real = readdirSync(path.join(FIXTURES, 'misskey-real'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => {
      const request = JSON.parse(readFileSync(path.join(FIXTURES, 'misskey-real', file), 'utf8')) as {
        headers: Record<string, string>;
        body: Record<string, unknown>;
      };
      return { name: `misskey-real/${file}`, body: request.body, host: request.headers['x-misskey-host']! };
    });
  return [...synthetic, ...real];
}

export function fixture(name: string): Fixture {
  const found = allFixtures().find((candidate) => candidate.name === name || candidate.name.endsWith(`/${name}`));
  if (!found) throw new Error(`no fixture ${name}`);
  return found;
}

/** A copy of a fixture's body with a fresh eventId, so it is not a duplicate. */
export function withEventId(body: Record<string, unknown>, eventId: string): Record<string, unknown> {
  return { ...body, eventId };
}
