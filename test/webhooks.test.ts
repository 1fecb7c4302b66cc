import { createServer, type IncomingMessage, type Server } from "node:http";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchAll } from "./helpers/crawl.ts";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// A receiver on loopback that is down for a while, then back: after de-duplication it has every
// change exactly once, in order for each fact, each signed with the subscription's secret.

interface Received { headers: IncomingMessage["headers"]; body: string }

let testApp: TestApp;
let admin: string;
let writer: string;
let receiver: Server;
let receiverUrl: string;
let up = false;
const received: Received[] = [];

beforeAll(async () => {
  testApp = await startTestApp({
    webhookWorker: { pollMs: 20, timeoutMs: 2000, baseRetryMs: 20, maxRetryMs: 200, pauseAfterMs: 60_000 },
  });
  admin = (await createKey(testApp, ["admin"])).bearer;
  writer = (await createKey(testApp, ["write"])).bearer;
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      if (!up) {
        response.writeHead(503).end();
        return;
      }
      received.push({ headers: request.headers, body });
      // Now and then the answer is lost after the receiver took the delivery: it comes again.
      if (received.length % 7 === 0) request.socket.destroy();
      else response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hooks`;
});
afterAll(async () => {
  await testApp?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("webhooks", () => {
  it("deliver every change once after de-duplication, in order per fact, after the receiver comes back", async () => {
    const created = await testApp.http().post("/v1/webhooks").set("authorization", admin)
      .send({ url: receiverUrl, resources: ["statements"] }).expect(201);
    const { id, secret } = created.body;
    expect(secret).toMatch(/^whsec_/);
    expect((await testApp.http().get("/v1/webhooks").set("authorization", admin).expect(200)).body.data[0]).not.toHaveProperty("secret");
    await testApp.http().get("/v1/webhooks").set("authorization", writer).expect(403);

    // Changes while the receiver is down.
    const statements = (await fetchAll<{ id: string }>(testApp.http, "/v1/statements?limit=100")).slice(0, 6).map((item) => item.id);
    for (const [index, statementId] of statements.entries()) {
      await testApp.http().patch(`/v1/statements/${statementId}`).set("authorization", writer).send({ medium: `first ${index}` }).expect(200);
      await testApp.http().patch(`/v1/statements/${statementId}`).set("authorization", writer).send({ medium: `second ${index}` }).expect(200);
    }
    await testApp.http().delete(`/v1/statements/${statements[5]}`).set("authorization", writer).expect(204);
    await testApp.http().patch("/v1/actors/iran").set("authorization", writer).send({ wikidataId: "Q794" }).expect(200);
    await until(async () => (await testApp.http().get(`/v1/webhooks/${id}`).set("authorization", admin)).body.lastError !== null);
    const waiting = (await testApp.http().get(`/v1/webhooks/${id}`).set("authorization", admin).expect(200)).body;
    expect(waiting).toMatchObject({ paused: false, pending: 13, lastError: "HTTP 503" });
    expect(received).toHaveLength(0);

    up = true;
    await until(async () => (await testApp.http().get(`/v1/webhooks/${id}`).set("authorization", admin)).body.pending === 0);

    const verifier = new Webhook(secret);
    const unique = new Map<string, { type: string; data: { id: string; version: number; action: string; item: { medium?: string } | null } }>();
    for (const delivery of received) {
      const payload = verifier.verify(delivery.body, delivery.headers as Record<string, string>) as never;
      unique.set(String(delivery.headers["webhook-id"]), payload);
    }
    expect(received.length).toBeGreaterThan(unique.size);
    expect(unique.size).toBe(13);
    const versions = new Map<string, number[]>();
    for (const payload of unique.values()) {
      expect(payload.type).toMatch(/^statements\./);
      versions.set(payload.data.id, [...(versions.get(payload.data.id) ?? []), payload.data.version]);
    }
    for (const [statementId, seen] of versions) expect(seen, statementId).toEqual([...seen].sort((a, b) => a - b));
    const last = [...unique.values()].filter((payload) => payload.data.id === statements[0]).at(-1)!;
    expect(last.data.item?.medium).toBe("second 0");
    expect([...unique.values()].find((payload) => payload.data.id === statements[5] && payload.data.action === "delete")?.data.item).toBeNull();

    // A receiver with another secret cannot verify them.
    const wrong = new Webhook(`whsec_${Buffer.from("another secret of 32 bytes......").toString("base64")}`);
    expect(() => wrong.verify(received[0]!.body, received[0]!.headers as Record<string, string>)).toThrow();
  });

  it("pause a subscription that keeps failing, with the reason, and resume it", async () => {
    const testApp2 = await startTestApp({ webhookWorker: { pollMs: 20, timeoutMs: 500, baseRetryMs: 20, maxRetryMs: 50, pauseAfterMs: 300 } });
    try {
      const key = (await createKey(testApp2, ["admin", "write"])).bearer;
      const created = await testApp2.http().post("/v1/webhooks").set("authorization", key).send({ url: "http://127.0.0.1:9/nothing-listens" }).expect(201);
      await testApp2.http().patch("/v1/actors/iran").set("authorization", key).send({ wikidataId: "Q1234567" }).expect(200);
      await until(async () => (await testApp2.http().get(`/v1/webhooks/${created.body.id}`).set("authorization", key)).body.paused);
      const paused = (await testApp2.http().get(`/v1/webhooks/${created.body.id}`).set("authorization", key)).body;
      expect(paused).toMatchObject({ paused: true, pending: 1 });
      expect(paused.pauseReason).toMatch(/^Deliveries kept failing since .+: /);
      const resumed = await testApp2.http().patch(`/v1/webhooks/${created.body.id}`).set("authorization", key).send({ paused: false }).expect(200);
      expect(resumed.body).toMatchObject({ paused: false, pauseReason: null });
      await testApp2.http().delete(`/v1/webhooks/${created.body.id}`).set("authorization", key).expect(204);
      await testApp2.http().get(`/v1/webhooks/${created.body.id}`).set("authorization", key).expect(404);
    } finally {
      await testApp2.close();
    }
  });
});
