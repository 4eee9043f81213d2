// What a site admin gives for an LTI Advantage platform, checked: the form's and the API's fields, their
// labels, and the rules (https URLs, an issuer without query or fragment, deployment ids of 1–255
// characters, each once). platforms.service.ts parses with it.
import { z } from "zod";

export const PLATFORM_FIELDS = [
  "name",
  "issuer",
  "clientId",
  "authenticationRequestUrl",
  "accessTokenUrl",
  "publicKeysetUrl",
  "authorizationServer",
] as const;

export const FIELD_LABELS: Record<(typeof PLATFORM_FIELDS)[number] | "deploymentIds", string> = {
  name: "Platform name",
  issuer: "Platform ID",
  clientId: "Client ID",
  authenticationRequestUrl: "Authentication request URL",
  accessTokenUrl: "Access token URL",
  publicKeysetUrl: "Public keyset URL",
  authorizationServer: "Authorization server",
  deploymentIds: "Deployment ID",
};

/** The LTI 1.3 Core §5.3.3 limit on deployment_id, and the columns' width for client_id and names. */
const MAX_ID = 255;

const isLoopbackHost = (host: string) =>
  host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "[::1]";

/**
 * Whether http URLs on loopback hosts are accepted: only while Pluto itself runs on a loopback address
 * (development, tests, the demo), as the consumer side's Dynamic Registration does. Everywhere else the
 * Security Framework's TLS rule holds: https only.
 */
export function allowsInsecureLoopback(publicUrl: string): boolean {
  try {
    return isLoopbackHost(new URL(publicUrl).hostname);
  } catch {
    return false;
  }
}

function urlField(label: string, loopback: boolean, opts: { noQuery?: boolean } = {}) {
  const rule = loopback ? "an https URL (or http on a loopback address)" : "an https URL";
  return z
    .string({ error: `${label} must be text` })
    .trim()
    .max(2000, `${label} must be at most 2000 characters`)
    .superRefine((v, c) => {
      if (v === "") return;
      let u: URL | undefined;
      try {
        u = /\s/.test(v) ? undefined : new URL(v);
      } catch {
        u = undefined;
      }
      const ok =
        u !== undefined &&
        (u.protocol === "https:" || (loopback && u.protocol === "http:" && isLoopbackHost(u.hostname)));
      if (!ok) c.addIssue({ code: "custom", message: `${label} must be ${rule}` });
      else if (opts.noQuery && (u?.search !== "" || u?.hash !== "" || v.includes("?") || v.includes("#")))
        c.addIssue({ code: "custom", message: `${label} must have no query or fragment` });
    });
}

export const deploymentId = z
  .string({ error: "Deployment ID must be text" })
  .trim()
  .min(1, "Deployment ID must not be empty")
  .max(MAX_ID, `Deployment ID must be at most ${MAX_ID} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), "Deployment ID must not hold control characters");

/** Deployment ids: a list (the form's lines become one), each once. */
const deploymentIds = z
  .array(deploymentId, { error: "Deployment IDs must be a list of strings" })
  .max(100, "At most 100 deployment IDs")
  .superRefine((ids, c) => {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) c.addIssue({ code: "custom", message: `Deployment ID “${id}” is listed twice` });
      seen.add(id);
    }
  });

export function platformSchema(publicUrl: string) {
  const loopback = allowsInsecureLoopback(publicUrl);
  return z.strictObject({
    name: z
      .string({ error: "Platform name is required" })
      .trim()
      .min(1, "Platform name is required")
      .max(MAX_ID, `Platform name must be at most ${MAX_ID} characters`),
    issuer: urlField("Platform ID", loopback, { noQuery: true }).default(""),
    clientId: z
      .string({ error: "Client ID must be text" })
      .trim()
      .max(MAX_ID, `Client ID must be at most ${MAX_ID} characters`)
      .default(""),
    authenticationRequestUrl: urlField("Authentication request URL", loopback).default(""),
    accessTokenUrl: urlField("Access token URL", loopback).default(""),
    publicKeysetUrl: urlField("Public keyset URL", loopback).default(""),
    authorizationServer: urlField("Authorization server", loopback).default(""),
    deploymentIds: deploymentIds.default([]),
  });
}

/** The request body of POST /api/v1/lti/platforms (for the OpenAPI document; URLs checked as above). */
export const platformInputSchema = platformSchema("https://pluto.invalid");
export type PlatformInput = z.output<typeof platformInputSchema>;
