import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, loadConfig, parseConfig } from "./config.js";

const schema = z.strictObject({
  listenAddress: z.string().default("0.0.0.0"),
  port: z.number().int().min(1).max(65535).default(7443),
  debug: z.boolean().default(false),
  mode: z.enum(["sqlite", "etcd"]).default("sqlite"),
  endpoints: z.array(z.string()).default([]),
  tls: z
    .strictObject({
      certFile: z.string().optional(),
      token: z.string().min(20).optional(),
    })
    .default({}),
});

function catchError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("fills schema defaults when no source is given", () => {
    expect(parseConfig(schema)).toEqual({
      listenAddress: "0.0.0.0",
      port: 7443,
      debug: false,
      mode: "sqlite",
      endpoints: [],
      tls: {},
    });
  });

  it("applies precedence flags > env > file > defaults, merging nested objects", () => {
    const config = parseConfig(schema, {
      file: { path: "broker.json", data: { port: 1000, listenAddress: "192.0.2.1", tls: { certFile: "/file.pem" } } },
      env: { prefix: "ISTHMUS_BROKER_", vars: { ISTHMUS_BROKER_PORT: "2000", ISTHMUS_BROKER_DEBUG: "true" } },
      flags: { port: 3000, debug: undefined },
    });
    expect(config).toMatchObject({ port: 3000, listenAddress: "192.0.2.1", debug: true, tls: { certFile: "/file.pem" } });
  });

  it("maps prefixed env names to camelCase paths, nesting on double underscores, ignoring others", () => {
    const config = parseConfig(schema, {
      env: {
        prefix: "ISTHMUS_BROKER_",
        vars: {
          ISTHMUS_BROKER_LISTEN_ADDRESS: "198.51.100.7",
          ISTHMUS_BROKER_TLS__CERT_FILE: "/etc/isthmus/tls.crt",
          ISTHMUS_BROKER_ENDPOINTS: "http://192.0.2.1:2379, http://192.0.2.2:2379",
          ISTHMUS_BROKER_MODE: undefined,
          PATH: "/usr/bin",
        },
      },
    });
    expect(config.listenAddress).toBe("198.51.100.7");
    expect(config.tls.certFile).toBe("/etc/isthmus/tls.crt");
    expect(config.endpoints).toEqual(["http://192.0.2.1:2379", "http://192.0.2.2:2379"]);
    expect(config.mode).toBe("sqlite");
  });

  it.each([
    ["1", true],
    ["yes", true],
    ["FALSE", false],
    ["off", false],
  ])("coerces env boolean %s", (raw, expected) => {
    const config = parseConfig(schema, { env: { prefix: "P_", vars: { P_DEBUG: raw } } });
    expect(config.debug).toBe(expected);
  });

  it("coerces string flags (as util.parseArgs gives them) to the schema's types", () => {
    expect(parseConfig(schema, { flags: { port: "8443", "tls.certFile": "/x.pem" } })).toMatchObject({ port: 8443, tls: { certFile: "/x.pem" } });
  });

  it("reports every problem at once, with paths and sources", () => {
    const err = catchError(() =>
      parseConfig(schema, {
        file: { path: "/etc/b.json", data: { port: 70000, colour: "blue", tls: { extra: 1 } } },
        env: { prefix: "B_", vars: { B_DEBUG: "maybe", B_MODE: "redis" } },
      }),
    );
    expect(err.code).toBe("InvalidConfig");
    expect(err.issues).toHaveLength(5);
    expect(err.issues).toEqual(
      expect.arrayContaining([
        "port: expected number ≤ 65535, got 70000 (from file /etc/b.json)",
        'debug: expected boolean, got "maybe" (from env B_DEBUG)',
        "colour: unknown key (from file /etc/b.json)",
        "tls.extra: unknown key (from file /etc/b.json)",
      ]),
    );
    expect(err.issues.find((i) => i.startsWith("mode:"))).toContain("(from env B_MODE)");
    for (const issue of err.issues) expect(err.message).toContain(issue);
  });

  it("rejects unknown keys from env and flags too", () => {
    const err = catchError(() => parseConfig(schema, { env: { prefix: "B_", vars: { B_LISTEN_ADDRES: "x" } }, flags: { verbose: true } }));
    expect(err.issues).toEqual(["listenAddres: unknown key (from env B_LISTEN_ADDRES)", "verbose: unknown key (from flag verbose)"]);
  });

  it("leaves a non-numeric env value as a string so validation names it", () => {
    const err = catchError(() => parseConfig(schema, { env: { prefix: "B_", vars: { B_PORT: "http" } } }));
    expect(err.issues).toEqual(['port: expected number, got "http" (from env B_PORT)']);
  });

  it("never echoes the value of a secret field", () => {
    const err = catchError(() => parseConfig(schema, { flags: { "tls.token": "short-secret" } }));
    expect(err.message).not.toContain("short-secret");
    expect(err.issues).toEqual(["tls.token: expected a string of length ≥ 20 (from flag tls.token)"]);
  });

  it("does not let __proto__ in a file pollute anything", () => {
    const data = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    const err = catchError(() => parseConfig(schema, { file: { path: "evil.json", data } }));
    expect(err.issues).toEqual(["__proto__: unknown key (from file evil.json)"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("returns a deeply frozen value", () => {
    const config = parseConfig(schema, { flags: { endpoints: ["a"] } });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.tls)).toBe(true);
    expect(Object.isFrozen(config.endpoints)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it("rejects a file that does not hold an object", () => {
    expect(catchError(() => parseConfig(schema, { file: { path: "a.json", data: [1] } })).code).toBe("ConfigFileInvalid");
  });
});

describe("loadConfig", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-config-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a JSON file and layers flags over it", async () => {
    const file = join(dir, "ok.json");
    await writeFile(file, JSON.stringify({ port: 9000, mode: "etcd" }));
    await expect(loadConfig(schema, { file, flags: { port: 9001 } })).resolves.toMatchObject({ port: 9001, mode: "etcd" });
  });

  it("throws ConfigFileNotFound for a missing file", async () => {
    await expect(loadConfig(schema, { file: join(dir, "missing.json") })).rejects.toMatchObject({ code: "ConfigFileNotFound" });
  });

  it("throws ConfigFileInvalid for bad JSON, naming the file", async () => {
    const file = join(dir, "bad.json");
    await writeFile(file, "{ port: 1");
    const err: unknown = await loadConfig(schema, { file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ code: "ConfigFileInvalid" });
    expect((err as Error).message).toContain(file);
  });

  it("throws ConfigFileUnreadable for a directory", async () => {
    await expect(loadConfig(schema, { file: dir })).rejects.toMatchObject({ code: "ConfigFileUnreadable" });
  });
});
