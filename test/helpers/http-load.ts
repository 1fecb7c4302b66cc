import http from "node:http";
import type net from "node:net";
import type { FastifyInstance } from "fastify";

export interface Result {
  status: number;
  ms: number;
  retryAfter?: string;
  type?: string;
}

/** Requests over real HTTP on loopback, on kept-alive connections, each bounded in time. */
export class Client {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  readonly port: number;

  constructor(app: FastifyInstance) {
    this.port = (app.server.address() as net.AddressInfo).port;
  }

  get(url: string): Promise<Result> {
    const startedAt = performance.now();
    return new Promise((resolve, reject) => {
      const request = http.get({ host: "127.0.0.1", port: this.port, path: url, agent: this.agent, timeout: 15_000 }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const body = Buffer.concat(chunks).toString();
          const problem = response.headers["content-type"]?.startsWith("application/problem+json") ? (JSON.parse(body) as { type: string }) : undefined;
          resolve({
            status: response.statusCode!,
            ms: performance.now() - startedAt,
            retryAfter: response.headers["retry-after"] as string | undefined,
            type: problem?.type,
          });
        });
      });
      request.on("timeout", () => request.destroy(new Error(`${url}: no answer within 15 s`)));
      request.on("error", reject);
    });
  }

  /** `clients` loops of requests for `durationMs`: counts by status, and the longest wait. */
  async load(url: string, { clients, durationMs }: { clients: number; durationMs: number }) {
    const results: Result[] = [];
    const end = performance.now() + durationMs;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < end) results.push(await this.get(url));
      }),
    );
    const statuses: Record<number, number> = {};
    for (const result of results) statuses[result.status] = (statuses[result.status] ?? 0) + 1;
    const waits = results.map((result) => result.ms).sort((a, b) => a - b);
    return {
      count: results.length,
      statuses,
      longestMs: Math.round(waits.at(-1) ?? 0),
      medianMs: Math.round(waits[Math.floor(waits.length / 2)] ?? 0),
      problems: results.filter((result) => result.status !== 200).map((result) => ({ retryAfter: result.retryAfter, type: result.type })),
    };
  }

  /** Asks every 50 ms until `url` answers 200; how long that took. */
  async until200(url: string, withinMs = 10_000): Promise<number> {
    return (await this.until200Counting(url, withinMs)).ms;
  }

  async until200Counting(url: string, withinMs = 10_000): Promise<{ ms: number; refused: number }> {
    const startedAt = performance.now();
    let refused = 0;
    for (;;) {
      const { status } = await this.get(url);
      if (status === 200) return { ms: Math.round(performance.now() - startedAt), refused };
      if (status === 503) refused++;
      if (performance.now() - startedAt > withinMs) throw new Error(`${url} not 200 within ${withinMs} ms`);
      await sleep(50);
    }
  }

  close() {
    this.agent.destroy();
  }
}

export async function waitFor<T>(what: string, check: () => T | undefined, withinMs: number): Promise<T> {
  const startedAt = performance.now();
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (performance.now() - startedAt > withinMs) throw new Error(`${what}: not within ${withinMs} ms`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
