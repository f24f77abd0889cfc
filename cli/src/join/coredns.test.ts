import { describe, expect, it } from "vitest";
import { addBlock, removeBlock } from "./coredns.js";

const corefile = ".:53 {\n    errors\n    kubernetes cluster.local\n    forward . /etc/resolv.conf\n}\n";

describe("the CoreDNS clusterset.local block", () => {
  it("is appended, replaced on a second join and removed without a trace", () => {
    const once = addBlock(corefile, ["198.18.1.11:5353"]);
    expect(once.startsWith(corefile)).toBe(true);
    expect(once).toContain("clusterset.local:53 {\n    errors\n    forward . 198.18.1.11:5353\n}");
    const twice = addBlock(once, ["10.101.0.53:53"]);
    expect(twice.match(/clusterset\.local:53/g)).toHaveLength(1);
    expect(twice).toContain("forward . 10.101.0.53:53");
    expect(removeBlock(twice)).toBe(corefile);
    expect(removeBlock(corefile)).toBe(corefile);
  });
  it("keeps what an operator wrote after the block", () => {
    const edited = `${addBlock(corefile, ["a:1"])}example.org:53 {\n    forward . 192.0.2.1\n}\n`;
    expect(removeBlock(edited)).toBe(`${corefile}example.org:53 {\n    forward . 192.0.2.1\n}\n`);
  });
});
