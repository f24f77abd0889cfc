import { execFileSync } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isIsthmusError } from "../errors.js";
import { createCa, issueCertificate } from "./certificates.js";
import { createCsr, signCsr } from "./csr.js";
import { PkiError } from "./errors.js";
import { parseCertificate } from "./parse.js";

const dir = mkdtempSync(join(tmpdir(), "isthmus-pki-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function openssl(args: string[]): string {
  return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("createCa", () => {
  it("creates a self-signed ECDSA P-256 CA", async () => {
    const ca = await createCa({ commonName: "isthmus-broker-ca", validityDays: 3650 });
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe("CN=isthmus-broker-ca");
    expect(cert.verify(cert.publicKey)).toBe(true);
    const key = createPrivateKey(ca.keyPem);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(ca.keyPem).toContain("-----BEGIN PRIVATE KEY-----");
    expect(cert.checkPrivateKey(key)).toBe(true);
  });

  it("refuses a non-positive validity", async () => {
    await expect(createCa({ commonName: "x", validityDays: 0 })).rejects.toMatchObject({ code: "InvalidOptions" });
  });
});

describe("issueCertificate", () => {
  it("issues a server certificate that node:crypto and openssl accept", async () => {
    const ca = await createCa({ commonName: "test-ca", validityDays: 10 });
    const leaf = await issueCertificate({
      ca,
      commonName: "kube-apiserver",
      organizations: ["system:masters"],
      dnsNames: ["localhost", "kubernetes.default.svc"],
      ipAddresses: ["127.0.0.1", "198.51.100.7", "::1"],
      usages: "server",
      validityDays: 1,
    });
    const caCert = new X509Certificate(ca.certPem);
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkHost("kubernetes.default.svc")).toBe("kubernetes.default.svc");
    expect(cert.checkHost("evil.example")).toBeUndefined();
    expect(cert.checkIP("198.51.100.7")).toBe("198.51.100.7");
    expect(cert.checkIP("::1")).toBe("::1");
    expect(cert.checkIP("203.0.113.1")).toBeUndefined();
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
    expect(cert.checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);

    writeFileSync(join(dir, "ca.pem"), ca.certPem);
    writeFileSync(join(dir, "server.pem"), leaf.certPem);
    expect(openssl(["verify", "-CAfile", join(dir, "ca.pem"), "-purpose", "sslserver", join(dir, "server.pem")])).toContain(
      "OK",
    );
    // A server certificate is not a client certificate.
    expect(() =>
      openssl(["verify", "-CAfile", join(dir, "ca.pem"), "-purpose", "sslclient", join(dir, "server.pem")]),
    ).toThrow();
  });

  it("issues client and dual-use certificates with the right usages", async () => {
    const ca = await createCa({ commonName: "test-ca", validityDays: 10 });
    const client = await issueCertificate({ ca, commonName: "admin", usages: "client", validityDays: 1 });
    const both = await issueCertificate({ ca, commonName: "etcd", usages: "both", validityDays: 1 });
    expect(new X509Certificate(client.certPem).keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(new X509Certificate(both.certPem).keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    writeFileSync(join(dir, "ca2.pem"), ca.certPem);
    writeFileSync(join(dir, "client.pem"), client.certPem);
    expect(openssl(["verify", "-CAfile", join(dir, "ca2.pem"), "-purpose", "sslclient", join(dir, "client.pem")])).toContain(
      "OK",
    );
  });

  it("does not verify against another CA", async () => {
    const ca = await createCa({ commonName: "ca-a", validityDays: 10 });
    const other = await createCa({ commonName: "ca-b", validityDays: 10 });
    const leaf = await issueCertificate({ ca, commonName: "x", usages: "client", validityDays: 1 });
    expect(new X509Certificate(leaf.certPem).verify(new X509Certificate(other.certPem).publicKey)).toBe(false);
  });

  it("refuses to sign with a leaf certificate or a bad IP", async () => {
    const ca = await createCa({ commonName: "ca", validityDays: 10 });
    const leaf = await issueCertificate({ ca, commonName: "leaf", usages: "client", validityDays: 1 });
    await expect(issueCertificate({ ca: leaf, commonName: "y", usages: "client", validityDays: 1 })).rejects.toMatchObject({
      code: "InvalidCertificate",
    });
    await expect(
      issueCertificate({ ca, commonName: "y", usages: "server", validityDays: 1, ipAddresses: ["10.0.0.300"] }),
    ).rejects.toMatchObject({ code: "InvalidOptions" });
  });

  it("honours an injected clock for validity", async () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const ca = await createCa({ commonName: "ca", validityDays: 10, now });
    const leaf = await issueCertificate({ ca, commonName: "c", usages: "client", validityDays: 2, now });
    const info = parseCertificate(leaf.certPem);
    expect(info.notAfter.toISOString()).toBe("2030-01-03T00:00:00.000Z");
    expect(info.notBefore.getTime()).toBeLessThanOrEqual(now.getTime());
  });
});

describe("createCsr and signCsr", () => {
  it("signs a CSR with a forced common name; the agent's key matches the certificate", async () => {
    const ca = await createCa({ commonName: "broker-ca", validityDays: 10 });
    const { csrPem, keyPem } = await createCsr({ commonName: "whatever-the-agent-says" });
    expect(csrPem).toContain("-----BEGIN CERTIFICATE REQUEST-----");
    const certPem = await signCsr({ ca, csrPem, commonName: "cluster-a", validityDays: 30, usage: "client" });
    const cert = new X509Certificate(certPem);
    expect(cert.subject).toBe("CN=cluster-a");
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    // The CSR itself is well-formed for openssl too.
    writeFileSync(join(dir, "req.pem"), csrPem);
    expect(() => openssl(["req", "-in", join(dir, "req.pem"), "-noout", "-verify"])).not.toThrow();
  });

  it("rejects a CSR whose signature does not match (tampered public key)", async () => {
    const ca = await createCa({ commonName: "broker-ca", validityDays: 10 });
    const a = await createCsr({ commonName: "a" });
    const b = await createCsr({ commonName: "b" });
    const tampered = spliceCsrKey(a.csrPem, b.csrPem);
    expect(tampered).not.toBe(a.csrPem);
    await expect(signCsr({ ca, csrPem: tampered, commonName: "a", validityDays: 1, usage: "client" })).rejects.toSatisfy(
      (err: unknown) => isIsthmusError(err, "CsrSignatureInvalid"),
    );
  });

  it("rejects garbage, missing and oversized CSRs with typed errors", async () => {
    const ca = await createCa({ commonName: "broker-ca", validityDays: 10 });
    const base = { ca, commonName: "a", validityDays: 1, usage: "client" as const };
    await expect(signCsr({ ...base, csrPem: "hello" })).rejects.toBeInstanceOf(PkiError);
    await expect(signCsr({ ...base, csrPem: "hello" })).rejects.toMatchObject({ code: "InvalidPem" });
    const junk = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
    await expect(signCsr({ ...base, csrPem: junk })).rejects.toMatchObject({ code: "InvalidCsr" });
    await expect(signCsr({ ...base, csrPem: "x".repeat(20_000) })).rejects.toMatchObject({ code: "InvalidCsr" });
  });
});

describe("parseCertificate", () => {
  it("reports subject, serial, validity and fingerprint consistent with node:crypto", async () => {
    const ca = await createCa({ commonName: "ca", validityDays: 10 });
    const leaf = await issueCertificate({ ca, commonName: "c1", organizations: ["o1", "o2"], usages: "client", validityDays: 1 });
    const info = parseCertificate(leaf.certPem);
    const node = new X509Certificate(leaf.certPem);
    expect(info.commonName).toBe("c1");
    expect(info.organizations).toEqual(["o1", "o2"]);
    expect(info.issuerCommonName).toBe("ca");
    expect(info.isCa).toBe(false);
    expect(info.serial).toBe(node.serialNumber.toLowerCase().replace(/^0+/, ""));
    expect(info.fingerprintSha256).toBe(node.fingerprint256.replace(/:/g, "").toLowerCase());
    expect(info.notAfter.getTime()).toBe(new Date(node.validTo).getTime());
    expect(parseCertificate(new Uint8Array(node.raw)).fingerprintSha256).toBe(info.fingerprintSha256);
    expect(parseCertificate(ca.certPem).isCa).toBe(true);
    // Serials are random: two certificates never share one.
    const again = await issueCertificate({ ca, commonName: "c1", usages: "client", validityDays: 1 });
    expect(parseCertificate(again.certPem).serial).not.toBe(info.serial);
  });

  it("rejects non-certificates", () => {
    expect(() => parseCertificate("nope")).toThrow(PkiError);
    expect(() => parseCertificate(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: "InvalidCertificate" }));
  });
});

/** Replaces the SubjectPublicKeyInfo of CSR `a` by that of CSR `b`, keeping a's signature. */
function spliceCsrKey(aPem: string, bPem: string): string {
  const derOf = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  const a = derOf(aPem);
  const keyA = spkiOfCsr(a);
  const keyB = spkiOfCsr(derOf(bPem));
  const at = a.indexOf(keyA);
  const out = Buffer.concat([a.subarray(0, at), keyB, a.subarray(at + keyA.length)]);
  return `-----BEGIN CERTIFICATE REQUEST-----\n${out.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** The 65-byte uncompressed EC point inside a CSR (same length for every P-256 key). */
function spkiOfCsr(der: Buffer): Buffer {
  const prefix = Buffer.from("034200", "hex");
  const at = der.indexOf(prefix);
  return der.subarray(at + 3, at + 3 + 65);
}
