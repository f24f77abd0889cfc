import { describe, expect, it } from "vitest";
import { formatGlobalRequest, globalBlockCapacity, globalSpecFields, parseGlobalRequest } from "./global-request.js";

describe("parseGlobalRequest", () => {
  it("reads auto, a size and a block, and formats them back", () => {
    for (const text of ["auto", "/20", "242.5.0.0/16"]) expect(formatGlobalRequest(parseGlobalRequest(text))).toBe(text);
    expect(globalSpecFields(parseGlobalRequest("auto"))).toEqual({ global: true });
    expect(globalSpecFields(parseGlobalRequest("/20"))).toEqual({ global: true, globalPrefix: 20 });
    expect(globalSpecFields(parseGlobalRequest("242.5.0.0/16"))).toEqual({ global: true, globalCidr: "242.5.0.0/16" });
    expect(globalSpecFields(undefined)).toEqual({});
  });

  it("refuses anything else with InvalidGlobalRequest", () => {
    for (const text of ["", "yes", "/0", "/129", "242.5.0.1/16", "242.5.0.0"]) {
      expect(() => parseGlobalRequest(text)).toThrow(expect.objectContaining({ code: "InvalidGlobalRequest" }));
    }
  });
});

describe("globalBlockCapacity", () => {
  it("counts the addresses a block hands out: all but network, egress and broadcast", () => {
    expect(globalBlockCapacity("242.0.0.0/30")).toBe(1);
    expect(globalBlockCapacity("242.0.0.0/29")).toBe(5);
    expect(globalBlockCapacity("242.1.0.0/16")).toBe(65_533);
  });
});
