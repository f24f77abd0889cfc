import { describe, expect, it } from "vitest";
import { formatGlobalRequest, globalSpecFields, parseGlobalRequest } from "./global-request.js";

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
