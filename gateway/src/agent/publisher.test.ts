import { type BrokerClient, type PublishInput } from "@isthmus/core/brokerapi";
import { createSilentLogger } from "@isthmus/core/runtime";
import { describe, expect, it } from "vitest";
import { createPublisher, type PublishState } from "./publisher.js";

function fakeBroker(): { broker: BrokerClient; calls: PublishInput[]; failNext: (n: number) => void } {
  const calls: PublishInput[] = [];
  let failures = 0;
  const broker = {
    publish: (input: PublishInput) => {
      if (failures > 0) {
        failures -= 1;
        return Promise.reject(new Error("broker unreachable"));
      }
      calls.push(input);
      return Promise.resolve({ revision: calls.length, created: 0, updated: 0, deleted: 0 });
    },
    watch: () => { throw new Error("not used"); },
    close: () => undefined,
  } as unknown as BrokerClient;
  return { broker, calls, failNext: (n) => { failures = n; } };
}

const state = (podCidr: string): PublishState => ({
  clusterId: "c1", hostname: "c1-n1", cluster: { podCidrs: [podCidr], serviceCidrs: ["10.101.0.0/16"] }, endpoints: [], connections: [],
});
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

describe("publisher", () => {
  it("publishes each kind once and skips what is unchanged until reset", async () => {
    const fake = fakeBroker();
    const publisher = createPublisher({ broker: fake.broker, logger: createSilentLogger() });
    publisher.set(state("10.1.0.0/16"));
    await settle();
    expect(fake.calls.map((c) => c.kind)).toEqual(["cluster", "endpoint", "connection"]);
    publisher.set(state("10.1.0.0/16"));
    await settle();
    expect(fake.calls).toHaveLength(3);
    publisher.reset();
    publisher.set(state("10.1.0.0/16"));
    await settle();
    expect(fake.calls).toHaveLength(6);
    await publisher.stop();
  });

  it("tries a new state at once even while an older one waits for its retry", async () => {
    const fake = fakeBroker();
    const publisher = createPublisher({ broker: fake.broker, logger: createSilentLogger() });
    fake.failNext(1);
    publisher.set(state("10.1.0.0/16"));
    await settle();
    expect(fake.calls).toHaveLength(0);
    publisher.set(state("10.9.0.0/16"));
    await settle();
    expect(fake.calls[0]).toEqual({ kind: "cluster", spec: { podCidrs: ["10.9.0.0/16"], serviceCidrs: ["10.101.0.0/16"] } });
    await publisher.stop();
  });

  it("never publishes a state it was told to drop (a gateway that became passive)", async () => {
    const fake = fakeBroker();
    const publisher = createPublisher({ broker: fake.broker, logger: createSilentLogger() });
    fake.failNext(1);
    publisher.set(state("10.1.0.0/16"));
    await settle();
    publisher.clear();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(fake.calls).toHaveLength(0);
    await publisher.stop();
  });
});
