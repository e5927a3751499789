/** A sink held by an operator (`sink pause`): its jobs wait, in order, until it is resumed. */
export interface SinkPause {
  sink: string;
  /** when the pause began (the first pause, when paused twice) */
  since: number;
  /** who paused it, when known */
  by?: string;
}

/** Sinks held by an operator, for every instance sharing the store. */
export interface PauseStore {
  /**
   * Holds the sink's jobs until resume: they keep their place and are counted by stats, but are
   * neither due nor leased. A job already leased is settled as usual. Pausing a paused sink keeps
   * the first pause.
   */
  pause(sink: string, now: number, by?: string): Promise<void>;
  /** ends the sink's pause (nothing when it is not paused) */
  resume(sink: string): Promise<void>;
  /** the paused sinks, by name */
  list(): Promise<SinkPause[]>;
}
