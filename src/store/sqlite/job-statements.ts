import type Database from 'better-sqlite3';
import type { DueLane, LaneStats, WaitingJob } from '../jobs';
import { DEAD_COLUMNS, JOB_COLUMNS, type JobRow } from './rows';

/** The statements of the SQLite JobStore, prepared once per connection. */
export function prepareJobStatements(db: Database.Database) {
  return {
    markSeen: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO seen (source, eventId, seenAt) VALUES (?, ?, ?)'),
    pruneSeen: db.prepare<[number]>('DELETE FROM seen WHERE seenAt < ?'),
    // a held job (Hold) is due at its summary's time, already in the summary's group
    // positional: binding an object's properties by name costs more than the insert of a small row
    insertJob: db.prepare<[id: string, lane: string, sink: string, data: string, now: number, availableAt: number, batch: string | null]>(
      `INSERT OR IGNORE INTO jobs (id, lane, sink, data, createdAt, availableAt, attempts, history, batch)
       VALUES (?, ?, ?, ?, ?, ?, 0, '[]', ?)`,
    ),
    // walks the distinct (lane, sink) pairs by index seeks (a few per pair, never a scan of all
    // jobs), so that a paused sink's pairs are passed over without counting their jobs; a lane
    // is skipped while one of its jobs is out (leasedUntil >= now): one send at a time, in order.
    // Each count stops at the cap so that a long backlog costs no more than a short one.
    dueLanes: db.prepare<{ now: number; cap: number }, DueLane>(
      `WITH RECURSIVE pairs (lane, sink) AS (
         -- a row with a NULL sink stands before the lane's first sink; each step is one index seek
         SELECT MIN(lane), NULL FROM jobs
         UNION ALL
         SELECT
           CASE WHEN pairs.sink IS NULL OR EXISTS (SELECT 1 FROM jobs WHERE lane = pairs.lane AND sink > pairs.sink)
             THEN pairs.lane ELSE (SELECT MIN(lane) FROM jobs WHERE lane > pairs.lane) END,
           CASE WHEN pairs.sink IS NULL THEN (SELECT MIN(sink) FROM jobs WHERE lane = pairs.lane)
             ELSE (SELECT MIN(sink) FROM jobs WHERE lane = pairs.lane AND sink > pairs.sink) END
         FROM pairs WHERE pairs.lane IS NOT NULL
       ),
       -- materialized so that the counts are not evaluated again for the outer query
       counted (lane, due) AS MATERIALIZED (
         SELECT lane, (SELECT COUNT(*) FROM (
           SELECT 1 FROM jobs WHERE jobs.lane = pairs.lane AND jobs.sink = pairs.sink AND availableAt <= :now LIMIT :cap))
         FROM pairs
         WHERE sink IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM sink_pauses WHERE sink_pauses.sink = pairs.sink)
           AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.lane = pairs.lane AND leasedUntil >= :now)
           AND NOT EXISTS (SELECT 1 FROM lane_pauses WHERE lane_pauses.lane = pairs.lane AND until > :now)
       )
       SELECT lane, MIN(SUM(due), :cap) AS due FROM counted GROUP BY lane HAVING SUM(due) > 0`,
    ),
    laneLeased: db.prepare<[string, number]>('SELECT 1 FROM jobs WHERE lane = ? AND leasedUntil >= ? LIMIT 1').pluck(),
    lanePaused: db.prepare<[string, number]>('SELECT 1 FROM lane_pauses WHERE lane = ? AND until > ?').pluck(),
    // a pause is only ever extended
    pauseLane: db.prepare<[string, number]>(
      `INSERT INTO lane_pauses (lane, until) VALUES (?, ?)
       ON CONFLICT (lane) DO UPDATE SET until = MAX(until, excluded.until)`,
    ),
    // the unary + keeps the planner on jobs_fifo, walked in order up to LIMIT, rather than sorting
    // all the lane's due jobs found through jobs_due. Jobs of paused sinks are passed over: a lane
    // only comes here when dueLanes counted a job of a running sink in it
    dueJobs: db.prepare<[string, number, number], JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE lane = ? AND +availableAt <= ?
         AND NOT EXISTS (SELECT 1 FROM sink_pauses WHERE sink_pauses.sink = jobs.sink)
       ORDER BY seq LIMIT ?`,
    ),
    // and here on jobs_batch: a group is small, a lane may be long
    groupJobs: db.prepare<[string, string, number], JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE batch = ? AND +lane = ? AND +availableAt <= ?
         AND NOT EXISTS (SELECT 1 FROM sink_pauses WHERE sink_pauses.sink = jobs.sink)
       ORDER BY seq`,
    ),
    // a lease still recorded when the job is leased again ran out unsettled: one more lapse
    setLease: db
      .prepare<[number, string, string], number>('UPDATE jobs SET lapses = lapses + (leasedUntil IS NOT NULL), leasedUntil = ?, batch = ? WHERE id = ? RETURNING lapses')
      .pluck(),
    // a held job goes back to its summary's group
    release: db.prepare<[number, string]>(
      `UPDATE jobs SET availableAt = ?, leasedUntil = NULL, batch = json_extract(data, '$.hold.group') WHERE id = ?`,
    ),
    clearLeases: db.prepare('UPDATE jobs SET leasedUntil = NULL, lapses = lapses + 1 WHERE leasedUntil IS NOT NULL'),
    deleteJob: db.prepare<[string]>('DELETE FROM jobs WHERE id = ?'),
    reschedule: db.prepare<{ id: string; availableAt: number; error: string; now: number }>(
      `UPDATE jobs SET availableAt = :availableAt, leasedUntil = NULL, attempts = attempts + 1,
         history = json_insert(history, '$[#]', json_object('at', :now, 'error', :error))
       WHERE id = :id`,
    ),
    // the failure that kills a job counts as an attempt too
    bury: db.prepare<{ id: string; error: string; now: number }>(
      `INSERT OR REPLACE INTO dead (${DEAD_COLUMNS})
       SELECT id, lane, sink, data, createdAt, attempts + 1,
         json_insert(history, '$[#]', json_object('at', :now, 'error', :error)), batch, :error, :now
       FROM jobs WHERE id = :id`,
    ),
    // a held job is in a group from the start: the partial index on batch finds them
    pendingHolds: db
      .prepare<[], string>(
        `SELECT json_extract(data, '$.hold') FROM jobs WHERE batch IS NOT NULL AND json_extract(data, '$.hold.group') = batch GROUP BY batch`,
      )
      .pluck(),
    stats: db.prepare<[], LaneStats>(
      `SELECT sink, lane, COUNT(*) AS depth, MIN(createdAt) AS oldestAt FROM jobs GROUP BY lane, sink ORDER BY sink, lane`,
    ),
    waiting: db.prepare<{ now: number; limit: number; sink: string | null }, Omit<WaitingJob, 'leased'> & { leased: number }>(
      `SELECT id, sink, lane, json_extract(data, '$.event') AS event, createdAt, availableAt, attempts, lapses,
         coalesce(leasedUntil >= :now, 0) AS leased
       FROM jobs WHERE :sink IS NULL OR sink = :sink ORDER BY seq LIMIT :limit`,
    ),
    dropWaiting: db.prepare<[string, number]>('DELETE FROM jobs WHERE id = ? AND (leasedUntil IS NULL OR leasedUntil < ?)'),
    renew: db.prepare<[number, string, number]>('UPDATE jobs SET leasedUntil = ? WHERE id = ? AND leasedUntil >= ?'),    // jobs_subject: the lookup runs when a reply's parent is not in the map yet
    holdsMessage: db
      .prepare<{ lane: string; sink: string; source: string; subject: string; except: string }>(
        `SELECT 1 FROM jobs INDEXED BY jobs_subject WHERE lane = :lane AND sink = :sink AND subject = :subject
           AND id != :except AND json_extract(data, '$.source') = :source LIMIT 1`,
      )
      .pluck(),
  };
}
