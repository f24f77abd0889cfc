import { describe, expect, it } from "vitest";
import { createLogger, createSilentLogger, redactedCensor } from "./log.js";
import { createMemoryLogStream } from "./testing/memory-stream.js";

const secret = "s3cr3t-value-that-must-not-leak";

describe("createLogger", () => {
  it("writes JSON lines with the name, level and fields", () => {
    const out = createMemoryLogStream();
    const log = createLogger({ name: "isthmus-test", destination: out });
    log.info({ peer: "c2" }, "connected");
    const [record] = out.records();
    expect(record).toMatchObject({ name: "isthmus-test", level: 30, peer: "c2", msg: "connected" });
    expect(typeof record?.time).toBe("string");
  });

  it("redacts secrets at the top level, nested and in headers", () => {
    const out = createMemoryLogStream();
    const log = createLogger({ destination: out });
    log.info(
      {
        token: secret,
        password: secret,
        authorization: `Bearer ${secret}`,
        config: { token: secret, privateKey: secret, tls: { key: secret } },
        req: { headers: { authorization: `Bearer ${secret}` } },
        headers: { authorization: secret },
        peer: { secret, name: "c2" },
      },
      "with secrets",
    );
    expect(out.text()).not.toContain(secret);
    const [record] = out.records();
    expect(record?.token).toBe(redactedCensor);
    expect(record?.config).toEqual({
      token: redactedCensor,
      privateKey: redactedCensor,
      tls: { key: redactedCensor },
    });
    expect(record?.req).toEqual({ headers: { authorization: redactedCensor } });
    expect(record?.peer).toEqual({ secret: redactedCensor, name: "c2" });
  });

  it("keeps redaction in child loggers and their bindings", () => {
    const out = createMemoryLogStream();
    const child = createLogger({ destination: out }).child({ component: "gw", token: secret });
    child.child({ peer: "c3" }).warn({ creds: { password: secret } }, "child line");
    expect(out.text()).not.toContain(secret);
    expect(out.records()[0]).toMatchObject({ component: "gw", peer: "c3", token: redactedCensor });
  });

  it("keeps a top-level reconcile key visible but redacts nested keys", () => {
    const out = createMemoryLogStream();
    createLogger({ destination: out }).info({ key: "default/web", wg: { key: secret } }, "x");
    expect(out.text()).not.toContain(secret);
    expect(out.records()[0]?.key).toBe("default/web");
  });

  it("accepts extra redact paths", () => {
    const out = createMemoryLogStream();
    createLogger({ destination: out, redact: ["spec.caBundle"] }).info({ spec: { caBundle: secret } }, "x");
    expect(out.text()).not.toContain(secret);
  });

  it("serialises errors with their message under err", () => {
    const out = createMemoryLogStream();
    createLogger({ destination: out }).error({ err: new Error("boom") }, "failed");
    expect(out.records()[0]?.err).toMatchObject({ type: "Error", message: "boom" });
  });

  it("honours the level", () => {
    const out = createMemoryLogStream();
    const log = createLogger({ destination: out, level: "warn" });
    log.info("dropped");
    log.warn("kept");
    expect(out.records().map((r) => r.msg)).toEqual(["kept"]);
  });

  it("has a silent logger that writes nothing", () => {
    expect(createSilentLogger().isLevelEnabled("fatal")).toBe(false);
  });
});
