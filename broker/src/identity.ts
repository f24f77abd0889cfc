import type { ServerUnaryCall } from "@grpc/grpc-js";
import { parseCertificate } from "@isthmus/core/pki";
import { BrokerError } from "./errors.js";

/** The organisation in the admin certificate's subject; cluster certificates carry none. */
export const adminOrganization = "isthmus:admins";

/** The subject (common name) of the admin credential; no cluster may join under it. */
export const adminSubject = "admin";

/** Who is calling, from the verified client certificate. */
export type Identity =
  | { readonly kind: "cluster"; readonly clusterId: string; readonly serial: string; readonly notAfter: Date }
  | { readonly kind: "admin"; readonly name: string; readonly serial: string; readonly notAfter: Date };

/** The set of revoked certificate serials, kept in memory and updated on revocation. */
export interface RevocationList {
  has(serial: string): boolean;
  add(serial: string): void;
}

/**
 * The caller's identity. TLS has verified the chain to the broker CA and the validity period
 * (the server requests but does not require a certificate, so Join works without one);
 * here unverified, missing and revoked certificates become "Unauthenticated".
 */
export function identify(call: Pick<ServerUnaryCall<unknown, unknown>, "getAuthContext">, revoked: RevocationList): Identity {
  const cert = call.getAuthContext().sslPeerCertificate;
  if (cert === undefined) {
    throw new BrokerError("Unauthenticated", "A valid client certificate issued by the broker CA is required (expired, unknown or none given)");
  }
  const info = parseCertificate(new Uint8Array(cert.raw));
  if (revoked.has(info.serial)) {
    throw new BrokerError("Unauthenticated", `Client certificate ${info.serial} of "${info.commonName}" was revoked`);
  }
  if (info.notAfter.getTime() <= Date.now()) {
    throw new BrokerError("Unauthenticated", `Client certificate of "${info.commonName}" expired at ${info.notAfter.toISOString()}`);
  }
  if (info.organizations.includes(adminOrganization)) return { kind: "admin", name: info.commonName, serial: info.serial, notAfter: info.notAfter };
  return { kind: "cluster", clusterId: info.commonName, serial: info.serial, notAfter: info.notAfter };
}
