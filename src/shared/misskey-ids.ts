/** Misskey ids (aid, aidx, meid, ulid, objectid) sort by creation time as strings of one length. */
export function isNewerId(id: string, than: string | null): boolean {
  return than === null || id.length > than.length || (id.length === than.length && id > than);
}
