import { z } from "zod";

// Kubernetes name rules (k8s.io/apimachinery/pkg/util/validation), as zod schemas.

const dnsLabelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035LabelPattern = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const labelNamePattern = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Maximum length of an RFC 1123 label. */
export const dnsLabelMaxLength = 63;

/** True when `value` is an RFC 1123 DNS label: lowercase alphanumerics and '-', alphanumeric at both ends, 1-63 chars. */
export function isDnsLabel(value: string): boolean {
  return value.length <= dnsLabelMaxLength && dnsLabelPattern.test(value);
}

/** True when `value` is an RFC 1123 DNS subdomain: dot-separated labels, at most 253 chars. */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && value.split(".").every(isDnsLabel);
}

/** True when `value` is an RFC 1035 label (a Service name): like an RFC 1123 label but starts with a letter. */
export function isDns1035Label(value: string): boolean {
  return value.length <= dnsLabelMaxLength && dns1035LabelPattern.test(value);
}

/** True when `value` is a Kubernetes label key: `[prefix/]name`, prefix a DNS subdomain, name 1-63 chars. */
export function isLabelKey(value: string): boolean {
  const slash = value.indexOf("/");
  const prefix = slash === -1 ? undefined : value.slice(0, slash);
  const name = slash === -1 ? value : value.slice(slash + 1);
  if (prefix !== undefined && !isDnsSubdomain(prefix)) {
    return false;
  }
  return name.length <= dnsLabelMaxLength && labelNamePattern.test(name);
}

/** True when `value` is a Kubernetes label value: empty, or 1-63 chars of alphanumerics, '-', '_', '.' with alphanumeric ends. */
export function isLabelValue(value: string): boolean {
  return value === "" || (value.length <= dnsLabelMaxLength && labelNamePattern.test(value));
}

/** An RFC 1123 DNS label (namespace names, endpoint hostnames). */
export const dnsLabelSchema = z
  .string()
  .refine(isDnsLabel, { error: "must be an RFC 1123 label: 1-63 lowercase alphanumerics or '-', alphanumeric at both ends" });

/** An RFC 1123 DNS subdomain (node and host names). */
export const dnsSubdomainSchema = z
  .string()
  .refine(isDnsSubdomain, { error: "must be an RFC 1123 subdomain: dot-separated lowercase labels, at most 253 chars" });

/** An RFC 1035 label (Service names). */
export const serviceNameSchema = z
  .string()
  .refine(isDns1035Label, { error: "must be an RFC 1035 label: 1-63 lowercase alphanumerics or '-', starting with a letter" });

/** Kubernetes-style labels: a string map whose keys and values follow the label syntax. */
export const labelsSchema = z
  .record(
    z.string(),
    z.string().refine(isLabelValue, { error: "label value must be empty or 1-63 alphanumerics, '-', '_', '.'" }),
  )
  .superRefine((labels, ctx) => {
    for (const key of Object.keys(labels).filter((k) => !isLabelKey(k))) {
      ctx.addIssue({ code: "custom", path: [key], message: "label key must be [prefix/]name with name of 1-63 alphanumerics, '-', '_', '.'" });
    }
  });
