import { randomBytes } from "node:crypto";
import type { SqlClient } from "../../db/database.ts";
import { isoTimestamp } from "../../db/sql-fragments.ts";
import type { WebhookSubscription } from "./webhooks.schemas.ts";

const SUBSCRIPTION_COLUMNS = `s.id, s.url, s.resources, s.actions, ${isoTimestamp("s.created_at")} AS "createdAt",
  s.paused_at IS NOT NULL AS paused, ${isoTimestamp("s.paused_at")} AS "pausedAt", s.pause_reason AS "pauseReason",
  (SELECT count(*)::int FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.delivered_at IS NULL) AS pending,
  (SELECT d.last_error FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.last_error IS NOT NULL
    ORDER BY d.id DESC LIMIT 1) AS "lastError"`;

/** A delivery a worker has claimed, with what it sends. */
export interface ClaimedDelivery {
  id: number;
  messageId: string;
  url: string;
  secret: string;
  attempts: number;
  firstFailedAt: string | null;
  change: { resource: string; id: string; action: string; version: number; changedAt: string; item: unknown };
}

export function createWebhooksRepository(sql: SqlClient) {
  return {
    async create(input: { url: string; resources: string[]; actions: string[] }): Promise<WebhookSubscription & { secret: string }> {
      const id = `whk_${randomBytes(8).toString("hex")}`;
      const secret = `whsec_${randomBytes(32).toString("base64")}`;
      await sql.query(`INSERT INTO webhook_subscriptions (id, url, resources, actions, secret) VALUES ($1, $2, $3, $4, $5)`,
        [id, input.url, input.resources, input.actions, secret]);
      return { ...(await this.find(id))!, secret };
    },

    async list(): Promise<WebhookSubscription[]> {
      return sql.query<WebhookSubscription>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s ORDER BY s.created_at, s.id`);
    },

    async find(id: string): Promise<WebhookSubscription | undefined> {
      const [row] = await sql.query<WebhookSubscription>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s WHERE s.id = $1`, [id]);
      return row;
    },

    async setPaused(id: string, paused: boolean): Promise<boolean> {
      const rows = await sql.query(
        `UPDATE webhook_subscriptions SET paused_at = CASE WHEN $2 THEN coalesce(paused_at, now()) END,
                pause_reason = CASE WHEN $2 THEN coalesce(pause_reason, 'paused by an administrator') END
          WHERE id = $1 RETURNING id`,
        [id, paused],
      );
      if (!paused) {
        // A resumed subscription starts again at once, its failures forgiven.
        await sql.query(`UPDATE webhook_deliveries SET next_attempt_at = now(), first_failed_at = NULL WHERE subscription_id = $1 AND delivered_at IS NULL`, [id]);
      }
      return rows.length > 0;
    },

    async remove(id: string): Promise<boolean> {
      return (await sql.query(`DELETE FROM webhook_subscriptions WHERE id = $1 RETURNING id`, [id])).length > 0;
    },

    /**
     * Claims the oldest undelivered change of each live subscription that is due, for `leaseMs`.
     * Only a subscription's oldest is ever sent, so a receiver gets its changes in order; the lease
     * keeps two workers (two instances) from sending the same one at once.
     */
    async claimDue(leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
      return sql.query<ClaimedDelivery>(
        `WITH heads AS (
           SELECT DISTINCT ON (d.subscription_id) d.id, d.next_attempt_at, d.lease_until
             FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
            WHERE d.delivered_at IS NULL AND s.paused_at IS NULL
            ORDER BY d.subscription_id, d.id),
         claimed AS (
           UPDATE webhook_deliveries d SET lease_until = now() + ($1 || ' milliseconds')::interval
             FROM heads
            WHERE d.id = heads.id AND heads.next_attempt_at <= now() AND (heads.lease_until IS NULL OR heads.lease_until < now())
              AND d.delivered_at IS NULL AND (d.lease_until IS NULL OR d.lease_until < now())
            RETURNING d.*)
         SELECT c.id, c.message_id AS "messageId", s.url, s.secret, c.attempts, ${isoTimestamp("c.first_failed_at")} AS "firstFailedAt",
                json_build_object('resource', r.resource, 'id', r.fact_id, 'action', r.action, 'version', r.version,
                  'changedAt', ${isoTimestamp("r.created_at")},
                  'item', CASE WHEN r.action IN ('delete', 'merge') THEN NULL ELSE r.doc END) AS change
           FROM claimed c JOIN webhook_subscriptions s ON s.id = c.subscription_id JOIN revisions r ON r.id = c.revision_id
          ORDER BY c.id LIMIT $2`,
        [String(leaseMs), limit],
      );
    },

    async delivered(deliveryId: number): Promise<void> {
      await sql.query(`UPDATE webhook_deliveries SET delivered_at = now(), lease_until = NULL, attempts = attempts + 1 WHERE id = $1`, [deliveryId]);
    },

    /** A failed attempt: tried again after `retryInMs`, or the subscription paused with its reason. */
    async failed(delivery: ClaimedDelivery, error: string, retryInMs: number, pauseAfterMs: number): Promise<void> {
      await sql.query(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $2, lease_until = NULL,
                first_failed_at = coalesce(first_failed_at, now()), next_attempt_at = now() + ($3 || ' milliseconds')::interval
          WHERE id = $1`,
        [delivery.id, error.slice(0, 500), String(retryInMs)],
      );
      await sql.query(
        `UPDATE webhook_subscriptions s SET paused_at = now(),
                pause_reason = 'Deliveries kept failing since ' || ${isoTimestamp("d.first_failed_at")} || ': ' || d.last_error
           FROM webhook_deliveries d
          WHERE d.id = $1 AND s.id = d.subscription_id AND s.paused_at IS NULL
            AND d.first_failed_at <= now() - ($2 || ' milliseconds')::interval`,
        [delivery.id, String(pauseAfterMs)],
      );
    },
  };
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;
