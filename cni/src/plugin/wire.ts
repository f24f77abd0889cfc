import { CniError } from "./errors.js";

/**
 * The thin-client protocol between the `isthmus-cni` launcher and the agent, over a unix
 * socket, chosen so that a POSIX shell and `socat` can speak it (docs/adr/0401):
 *
 *   request:  `CNI_<NAME>=<value>` lines, one empty line, then the plugin's stdin verbatim;
 *             the client half-closes its side when done.
 *   response: the exit status in decimal on the first line, then the plugin's stdout verbatim.
 */
export interface WireRequest {
  /** The CNI_* variables of the invocation. */
  readonly env: Readonly<Record<string, string>>;
  /** The network configuration (stdin). */
  readonly stdin: string;
}

/** The variables the launcher forwards. */
export const forwardedVariables = Object.freeze(["CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH"]);

/** Parses a request; throws CniError "DecodingFailure" when the header is malformed. */
export function parseWireRequest(text: string): WireRequest {
  const end = text.indexOf("\n\n");
  const header = end < 0 ? text : text.slice(0, end);
  const env: Record<string, string> = {};
  for (const line of header.split("\n")) {
    if (line === "") continue;
    const eq = line.indexOf("=");
    const name = eq < 0 ? line : line.slice(0, eq);
    if (!forwardedVariables.includes(name) || name in env) {
      throw new CniError("DecodingFailure", `Malformed request from the isthmus-cni launcher: unexpected header line ${JSON.stringify(line)}`);
    }
    env[name] = line.slice(eq + 1);
  }
  return { env, stdin: end < 0 ? "" : text.slice(end + 2) };
}

/** Renders a request (what the launcher script sends). */
export function formatWireRequest(request: WireRequest): string {
  const lines = forwardedVariables.map((name) => `${name}=${request.env[name] ?? ""}`);
  return `${lines.join("\n")}\n\n${request.stdin}`;
}

/** Renders a response. */
export function formatWireResponse(exitCode: number, stdout: string): string {
  return `${exitCode}\n${stdout}`;
}

/** Parses a response; throws CniError "DecodingFailure" when it has no status line. */
export function parseWireResponse(text: string): { readonly exitCode: number; readonly stdout: string } {
  const nl = text.indexOf("\n");
  const code = Number(nl < 0 ? text : text.slice(0, nl));
  if (nl < 0 || !Number.isInteger(code)) throw new CniError("DecodingFailure", `Malformed response from the isthmus-node agent: ${JSON.stringify(text.slice(0, 80))}`);
  return { exitCode: code, stdout: text.slice(nl + 1) };
}
