import type { AttachmentRequest, CniBackend } from "../plugin/dispatch.js";
import type { CniError } from "../plugin/errors.js";
import type { AttachmentResult } from "../plugin/versions.js";

/** A CNI backend for dispatch tests: records calls, returns a fixed result, fails once on demand. */
export interface FakeBackend extends CniBackend {
  /** Every call in order, as `VERB containerId`. */
  readonly calls: string[];
  /** The requests seen, in order. */
  readonly requests: AttachmentRequest[];
  /** Makes the next call throw `err` (one shot). */
  failNext(err: CniError): void;
}

/** The result the fake returns for ADD. */
export const fakeResult: AttachmentResult = {
  interfaces: [
    { name: "isv-0123456789", mac: "0e:00:00:00:00:01" },
    { name: "eth0", mac: "0a:58:0a:01:01:05", sandbox: "/var/run/netns/x", mtu: 1450 },
  ],
  ips: [{ address: "10.1.1.5/24", gateway: "10.1.1.1", interface: 1 }],
  routes: [{ dst: "0.0.0.0/0", gw: "10.1.1.1" }],
};

/** Creates a {@link FakeBackend}. */
export function createFakeBackend(): FakeBackend {
  const calls: string[] = [];
  const requests: AttachmentRequest[] = [];
  let pending: CniError | undefined;
  const step = (verb: string, id: string): void => {
    calls.push(`${verb} ${id}`);
    const err = pending;
    pending = undefined;
    if (err !== undefined) throw err;
  };
  return {
    calls,
    requests,
    failNext: (err) => {
      pending = err;
    },
    add: (request) => {
      requests.push(request);
      step("ADD", request.env.containerId);
      return Promise.resolve(fakeResult);
    },
    del: (request) => {
      requests.push(request);
      step("DEL", request.env.containerId);
      return Promise.resolve();
    },
    check: (request) => {
      requests.push(request);
      step("CHECK", request.env.containerId);
      return Promise.resolve();
    },
    status: () => {
      step("STATUS", "");
      return Promise.resolve();
    },
    gc: (_conf, valid) => {
      step("GC", valid.map((v) => v.containerID).join(","));
      return Promise.resolve();
    },
  };
}
