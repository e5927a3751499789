/** A webhook request as the edge hands it to ingest: the headers it needs and the raw body. */
export interface InboundRequest {
  source: string;
  /** X-Misskey-Hook-Secret */
  secret: string | undefined;
  /** X-Misskey-Host, the fallback for envelopes without `server` */
  misskeyHost: string | undefined;
  body: Buffer;
}

/** What the edge needs of an accepted event to answer and log (ingest's outcome carries more). */
export interface AcceptedEvent {
  id: string;
  type: string;
  /** the type Misskey named, when it is one the bridge does not know */
  unknownType?: string;
}

export type IngestAnswer =
  | { result: 'stored'; event: AcceptedEvent; jobs: number; knownType: boolean }
  | { result: 'duplicate'; event: AcceptedEvent };
