import { describe, expect, it } from "vitest";
import { formatWireRequest, formatWireResponse, parseWireRequest, parseWireResponse } from "./wire.js";

describe("wire protocol", () => {
  it("round-trips a request with a multi-line stdin", () => {
    const request = { env: { CNI_COMMAND: "ADD", CNI_ARGS: "A=1;B=2" }, stdin: '{\n"a": 1\n}\n\n' };
    const parsed = parseWireRequest(formatWireRequest(request));
    expect(parsed.env.CNI_COMMAND).toBe("ADD");
    expect(parsed.env.CNI_ARGS).toBe("A=1;B=2");
    expect(parsed.stdin).toBe(request.stdin);
  });

  it("rejects header lines that are not CNI variables", () => {
    expect(() => parseWireRequest("PATH=/bin\n\n{}")).toThrow(/unexpected header line/);
    expect(() => parseWireRequest("CNI_COMMAND=ADD\nCNI_COMMAND=DEL\n\n{}")).toThrow(/unexpected header line/);
  });

  it("round-trips a response", () => {
    expect(parseWireResponse(formatWireResponse(1, '{"code":7}'))).toEqual({ exitCode: 1, stdout: '{"code":7}' });
    expect(() => parseWireResponse("x")).toThrow(/Malformed response/);
  });
});
