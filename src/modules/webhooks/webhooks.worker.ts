import { Webhook } from "standardwebhooks";
import type { ClaimedDelivery, WebhooksRepository } from "./webhooks.repository.ts";

export interface WebhookWorkerOptions {
  webhooks: WebhooksRepository;
  /** How often an idle worker looks for due deliveries. */
  pollMs: number;
  /** How long a receiver has to answer. */
  timeoutMs: number;
  /** First retry after about this long; then doubling, with jitter, up to `maxRetryMs`. */
  baseRetryMs: number;
  maxRetryMs: number;
  /** A subscription whose oldest delivery has failed for this long is paused (at least a day in production). */
  pauseAfterMs: number;
  log: { warn: (object: object, message: string) => void };
}

/** Exponential backoff with full jitter: spread retries so receivers coming back are not stampeded. */
export function retryDelay(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The body receivers get: Standard Webhooks' `{ type, timestamp, data }`, `data` being the change. */
export function deliveryPayload(delivery: ClaimedDelivery): string {
  const change = delivery.change;
  return JSON.stringify({ type: `${change.resource}.${change.action}`, timestamp: change.changedAt, data: change });
}

async function deliver(delivery: ClaimedDelivery, options: WebhookWorkerOptions): Promise<void> {
  const payload = deliveryPayload(delivery);
  const headers = { "content-type": "application/json", "user-agent": "warfacts-webhooks/1" };
  let failure: string | undefined;
  try {
    const signer = new Webhook(delivery.secret);
    const sentAt = new Date();
    const response = await fetch(delivery.url, {
      method: "POST",
      headers: {
        ...headers,
        "webhook-id": delivery.messageId,
        "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
        "webhook-signature": signer.sign(delivery.messageId, sentAt, payload),
      },
      body: payload,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await response.body?.cancel();
    if (response.status < 200 || response.status >= 300) failure = `HTTP ${response.status}`;
  } catch (error) {
    failure = (error as Error).message || String(error);
  }
  if (failure === undefined) return options.webhooks.delivered(delivery.id);
  options.log.warn({ delivery: delivery.messageId, attempts: delivery.attempts + 1, error: failure }, "webhook delivery failed");
  await options.webhooks.failed(delivery, failure, retryDelay(delivery.attempts, options.baseRetryMs, options.maxRetryMs), options.pauseAfterMs);
}

/** One round: every subscription's oldest due delivery, sent. Returns how many were tried. */
export async function deliverDue(options: WebhookWorkerOptions): Promise<number> {
  const claimed = await options.webhooks.claimDue(options.timeoutMs * 2, 50);
  await Promise.all(claimed.map((delivery) => deliver(delivery, options)));
  return claimed.length;
}

/**
 * The in-process worker: every instance runs one; leases keep them from sending a delivery twice
 * at once. At-least-once: a delivery whose answer is lost is sent again with the same `webhook-id`.
 */
export function startWebhookWorker(options: WebhookWorkerOptions): { stop: () => Promise<void> } {
  let running = true;
  let wake: (() => void) | undefined;
  let failingSince: number | undefined;
  const loop = (async () => {
    while (running) {
      let tried = 0;
      try {
        tried = await deliverDue(options);
        if (failingSince !== undefined) options.log.warn({ afterMs: Date.now() - failingSince }, "webhook worker: database answers again");
        failingSince = undefined;
      } catch (error) {
        // Once per outage, not once per poll.
        if (failingSince === undefined) options.log.warn({ error: (error as Error).message }, "webhook worker: database unavailable, retrying");
        failingSince ??= Date.now();
      }
      if (tried === 0 && running) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, options.pollMs).unref();
        });
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      wake?.();
      await loop;
    },
  };
}
