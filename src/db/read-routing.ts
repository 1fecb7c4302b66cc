import { AsyncLocalStorage } from "node:async_hooks";
import { DatabaseNotReady } from "./bootstrap.ts";
import type { ReadReplica, SqlClient } from "./database.ts";

/** One database as /ready reports it. */
export interface DatabaseStatus {
  name: string;
  role: "primary" | "replica";
  status: "up" | "down";
  /** Replicas: WAL bytes the replica has still to replay to reach the primary's position (0: caught up). */
  lagBytes?: number | null;
  /** Replicas: seconds since the last transaction it replayed, when it is behind; 0 when caught up. */
  lagSeconds?: number | null;
  /** Replicas that are down: why, in one line. */
  error?: string;
}

export interface ReadRoutingOptions {
  primary: SqlClient;
  replicas: ReadReplica[];
  /** Errors that mean a database is absent (refused, reset, no answer), not that the query is wrong. */
  isUnavailable: (error: unknown) => boolean;
  log: { warn(details: object, message: string): void; info(details: object, message: string): void };
  /** How often a replica that is down is asked whether it is back. */
  probeIntervalMs?: number;
}

export interface ReadRouting {
  /** The read path: the next replica that is up, in turn; the primary when pinned, or when none answers. */
  sql: SqlClient;
  /** Runs `work` with every read of `sql` on the primary, including its asynchronous continuations. */
  onPrimary<T>(work: () => T): T;
  /** The primary, then each replica with its lag; rejects when the primary does not answer. */
  status(): Promise<DatabaseStatus[]>;
  /** Stops the probes of replicas that are down. */
  close(): void;
}

interface ReplicaState extends ReadReplica {
  down?: { since: number; probe?: NodeJS.Timeout };
}

// A replica cancels a read that conflicts with the WAL it replays (a vacuumed row the read still
// needs): the query is right, the replica was the wrong place for it.
const RECOVERY_CONFLICT_CODES = new Set(["40001", "40P01"]);
// The server cancelled the statement for its time: as slow on the primary, so it is not tried again.
const STATEMENT_TIMEOUT = "57014";

/**
 * Reads spread over read replicas, round-robin, without the repositories knowing. A replica that
 * fails with a connection-class error is marked down (logged once) and the read is retried once on
 * the primary, so that its absence never reaches a client; reads then skip it until a probe every
 * `probeIntervalMs` finds it back (logged once, with how long it was away). Writes never come here:
 * they go through the primary's `transaction`, and requests that must see fresh writes run `onPrimary`.
 */
export function createReadRouting({ primary, replicas, isUnavailable, log, probeIntervalMs = 1000 }: ReadRoutingOptions): ReadRouting {
  const states: ReplicaState[] = replicas.map((replica) => ({ ...replica }));
  const pinned = new AsyncLocalStorage<true>();
  let turn = 0;
  let closed = false;

  function nextUp(): ReplicaState | undefined {
    for (let tried = 0; tried < states.length; tried++) {
      const replica = states[turn++ % states.length]!;
      if (!replica.down) return replica;
    }
    return undefined;
  }

  function markDown(replica: ReplicaState, error: unknown) {
    if (replica.down) return;
    replica.down = { since: Date.now() };
    log.warn({ replica: replica.name, cause: describe(error) }, `read replica ${replica.name} unavailable: its reads go to the primary until it answers again`);
    probeLater(replica);
  }

  function markUp(replica: ReplicaState) {
    if (!replica.down) return;
    const downMs = Date.now() - replica.down.since;
    clearTimeout(replica.down.probe);
    replica.down = undefined;
    log.info({ replica: replica.name, downMs }, `read replica ${replica.name} answers again after ${(downMs / 1000).toFixed(1)} s`);
  }

  function probeLater(replica: ReplicaState) {
    if (!replica.down || closed) return;
    replica.down.probe = setTimeout(() => {
      replica.sql.query("SELECT 1").then(() => markUp(replica), () => probeLater(replica));
    }, probeIntervalMs);
    replica.down.probe.unref();
  }

  /** Whether the primary may answer what the replica did not: the replica's absence, or a conflict with its replay. */
  function worthRetrying(error: unknown): boolean {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (error instanceof DatabaseNotReady || RECOVERY_CONFLICT_CODES.has(code as string)) return true;
    return code !== STATEMENT_TIMEOUT && isUnavailable(error);
  }

  const sql: SqlClient = {
    async query(text, params, options) {
      const replica = pinned.getStore() ? undefined : nextUp();
      if (!replica) return primary.query(text, params, options);
      try {
        return await replica.sql.query(text, params, options);
      } catch (error) {
        if (!worthRetrying(error)) throw error;
        // Not opened yet at start is no outage; a conflict with replay says nothing of the replica's health.
        if (!(error instanceof DatabaseNotReady) && isUnavailable(error)) markDown(replica, error);
        return primary.query(text, params, options);
      }
    },
  };

  async function replicaStatus(replica: ReplicaState, primaryLsn: string | null): Promise<DatabaseStatus> {
    try {
      const [row] = await replica.sql.query<{ lag_bytes: number | null; replay_age_seconds: number | null }>(
        `SELECT pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::float8 AS lag_bytes,
                extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_age_seconds`,
        [primaryLsn],
      );
      markUp(replica);
      // Replayed past the position the primary had a moment earlier: caught up.
      const lagBytes = row!.lag_bytes === null ? null : Math.max(0, Math.round(row!.lag_bytes));
      const lagSeconds = lagBytes === 0 ? 0 : row!.replay_age_seconds === null ? null : Math.round(row!.replay_age_seconds * 1000) / 1000;
      return { name: replica.name, role: "replica", status: "up", lagBytes, lagSeconds };
    } catch (error) {
      if (!(error instanceof DatabaseNotReady) && isUnavailable(error)) markDown(replica, error);
      return { name: replica.name, role: "replica", status: "down", error: describe(error) };
    }
  }

  return {
    sql,
    onPrimary: (work) => pinned.run(true, work),
    async status() {
      // The primary first: its WAL position is what the replicas are measured against.
      const [primaryRow] = await primary.query<{ lsn: string | null }>(
        states.length > 0 ? "SELECT pg_current_wal_lsn()::text AS lsn" : "SELECT NULL::text AS lsn",
      );
      const replicaStatuses = await Promise.all(states.map((replica) => replicaStatus(replica, primaryRow!.lsn)));
      return [{ name: "primary", role: "primary", status: "up" }, ...replicaStatuses];
    },
    close() {
      closed = true;
      for (const replica of states) clearTimeout(replica.down?.probe);
    },
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: string }).code;
  return `${error.message || error.name}${code && !error.message.includes(code) ? ` [${code}]` : ""}`;
}
