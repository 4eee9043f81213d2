// LTI 1.3 site tools registered by hand: the fields a vendor's set-up guide gives (Initiate login URL,
// redirection URIs, public key), checked, and the Client ID and Deployment ID Pluto issues on save. The
// tool type row carries what both versions share (name, Tool URL = target_link_uri, custom parameters,
// launch container, privacy); the registration (lti-common) carries the rest.
import { importJWK, importSPKI, type JWK } from "jose";
import { z } from "zod";
import type { Db } from "../../../db/database.js";
import { PLATFORM_ALG } from "../../../lti/v1p3/keys.js";
import { type Clock, iso } from "../../../shared/clock.js";
import { ValidationError } from "../../../shared/errors.js";
import { randomToken } from "../../../shared/secrets.js";
import { parseInput } from "../../../shared/validation.js";
import {
  findToolRegistration,
  insertToolRegistration,
  listToolRegistrations,
  type ToolRegistration,
  updateToolRegistration,
} from "../../lti-common/deployments.service.js";
import * as repo from "../lti-consumer.repository.js";
import { LAUNCH_CONTAINERS, type ToolType, type ToolTypeFields } from "../lti-consumer.repository.js";

export type { ToolRegistration } from "../../lti-common/deployments.service.js";

/** Pluto's endpoints a tool is configured with (Tool configuration details). */
export const AUTH_PATH = "/lti/auth";
export const JWKS_PATH = "/lti/jwks";
/** The service token endpoint (client_credentials with a JWT assertion): services/token.service.ts. */
export const TOKEN_PATH = "/lti/token";
/** Pluto's OpenID configuration (Dynamic Registration): dynamic-registration.service.ts. */
export const OPENID_CONFIGURATION_PATH = "/lti/openid-configuration";

export const PUBLIC_KEY_TYPES = ["keyset", "key"] as const;
export const PUBLIC_KEY_TYPE_LABELS: Record<(typeof PUBLIC_KEY_TYPES)[number], string> = {
  keyset: "Keyset URL",
  key: "RSA key",
};

const httpUrl = (what: string, optional: boolean) =>
  z
    .string({ error: `${what} must be text` })
    .trim()
    .max(2000, `${what} must be at most 2000 characters`)
    .refine((v) => (optional && v === "") || (/^https?:\/\/[^\s/]+/i.test(v) && URL.canParse(v)), {
      message: optional
        ? `${what} must be an http or https URL`
        : `${what} is required (an http or https URL)`,
    });

/**
 * Redirection URIs: an array (API) or one per line (form). Kept exactly as typed, in order: only blank
 * lines and the line ends go (a URI holds no whitespace), so the match stays byte for byte.
 */
const redirectUris = z
  .union([z.array(z.string({ error: "Redirection URIs must be text" })), z.string()], {
    error: "Redirection URIs must be a list of URLs",
  })
  .transform((v) => (Array.isArray(v) ? v : v.split(/\r\n?|\n/)).map((u) => u.trim()).filter((u) => u !== ""))
  .superRefine((uris, c) => {
    if (uris.length === 0)
      c.addIssue({ code: "custom", message: "Redirection URI(s) is required: one URL per line" });
    if (uris.length > 20) c.addIssue({ code: "custom", message: "At most 20 redirection URIs" });
    for (const u of uris) {
      if (u.length > 2000 || /\s/.test(u) || !/^https?:\/\/[^/]+/i.test(u) || !URL.canParse(u)) {
        c.addIssue({
          code: "custom",
          message: `Redirection URI “${u.slice(0, 100)}” is not an http or https URL`,
        });
        return;
      }
    }
  });

const bool = z.boolean({ error: "must be true or false" });

/**
 * The LTI 1.3 services the tool may use ("IMS LTI Assignment and Grade Services", "IMS LTI Names and Role
 * Provisioning"): what the token endpoint grants (services/token.service.ts `allowedScopes`). Both on
 * unless turned off; AGS also needs "Accept grades from the tool".
 */
export const servicesSchema = z
  .object(
    {
      ags: z.boolean({ error: "services.ags must be true or false" }).default(true),
      nrps: z.boolean({ error: "services.nrps must be true or false" }).default(true),
    },
    { error: "services must be an object {ags, nrps}" },
  )
  .strict()
  .default({ ags: true, nrps: true });

export const lti13Schema = z.object({
  ltiVersion: z.literal("1.3"),
  name: z
    .string({ error: "Tool name must be text" })
    .trim()
    .min(1, "Tool name is required")
    .max(254, "Tool name must be at most 254 characters"),
  description: z.string().trim().max(5000, "Description must be at most 5000 characters").default(""),
  toolUrl: httpUrl("Tool URL", false),
  initiateLoginUrl: httpUrl("Initiate login URL", false),
  redirectUris,
  publicKeyType: z.enum(PUBLIC_KEY_TYPES, { error: "Public key type must be keyset or key" }).optional(),
  publicKeysetUrl: httpUrl("Public keyset URL", true).default(""),
  publicKey: z
    .string({ error: "Public key must be text" })
    .max(20_000, "Public key must be at most 20000 characters")
    .transform((v) => v.trim())
    .default(""),
  customParameters: z.string().default(""),
  iconUrl: httpUrl("Icon URL", true).default(""),
  launchContainer: z
    .enum(LAUNCH_CONTAINERS, { error: "Launch container must be embed, embed_no_blocks or window" })
    .default("embed"),
  shareName: bool.default(true),
  shareEmail: bool.default(true),
  acceptGrades: bool.default(true),
  showInPicker: bool.default(true),
  status: z.enum(["active", "pending"], { error: "Status must be active or pending" }).default("active"),
  deepLinking: bool.default(false),
  deepLinkingUrl: httpUrl("Content selection URL", true).default(""),
  services: servicesSchema,
});
export type Lti13Input = z.output<typeof lti13Schema>;

function fieldError(field: string, message: string): ValidationError {
  return new ValidationError(message, [{ field, message }]);
}

/** A pasted public key: an RSA public key as PEM (SPKI) or as a JWK, usable for RS256. */
export async function checkPublicKey(text: string): Promise<void> {
  const bad = (why: string) =>
    fieldError(
      "publicKey",
      `Public key is not usable: ${why}. Paste a PEM (-----BEGIN PUBLIC KEY-----) or a JWK.`,
    );
  if (text.startsWith("{")) {
    let jwk: JWK;
    try {
      jwk = JSON.parse(text) as JWK;
    } catch {
      throw bad("it is not valid JSON");
    }
    if (typeof jwk !== "object" || jwk === null || jwk.kty !== "RSA") throw bad("the JWK is not an RSA key");
    if ("d" in jwk) throw bad("the JWK is a private key (it has d); paste the public key only");
    try {
      await importJWK(jwk, PLATFORM_ALG);
    } catch (e) {
      throw bad(`the JWK could not be read (${(e as Error).message})`);
    }
    return;
  }
  if (!text.includes("-----BEGIN PUBLIC KEY-----"))
    throw bad(
      text.includes("PRIVATE KEY")
        ? "it is a private key; paste the public key only"
        : "it is neither a PEM public key nor a JWK",
    );
  try {
    await importSPKI(text, PLATFORM_ALG);
  } catch (e) {
    throw bad(`the PEM could not be read as an RSA public key (${(e as Error).message})`);
  }
}

/** Checks the input, the public key the chosen type names included. */
export async function parseLti13(
  input: unknown,
  customCheck: (lines: string) => string,
): Promise<Lti13Input> {
  const v = parseInput(lti13Schema, input);
  v.customParameters = customCheck(v.customParameters);
  const type = v.publicKeyType ?? (v.publicKey !== "" && v.publicKeysetUrl === "" ? "key" : "keyset");
  v.publicKeyType = type;
  if (v.deepLinking && v.deepLinkingUrl === "")
    throw fieldError(
      "deepLinkingUrl",
      "Content selection URL is required when the tool supports Deep Linking (an http or https URL)",
    );
  if (type === "keyset") {
    if (v.publicKeysetUrl === "")
      throw fieldError("publicKeysetUrl", "Public keyset URL is required (an http or https URL)");
    v.publicKey = "";
  } else {
    if (v.publicKey === "") throw fieldError("publicKey", "Public key is required (a PEM or a JWK)");
    await checkPublicKey(v.publicKey);
    v.publicKeysetUrl = "";
  }
  return v;
}

/** The LTI 1.1 consumer key and shared secret an upgraded tool keeps (for the lti1p1 claim); "" otherwise. */
type KeptKey = Pick<ToolType, "consumerKey" | "sharedSecret">;
const NO_KEY: KeptKey = { consumerKey: "", sharedSecret: "" };

function toolTypeFieldsOf(v: Lti13Input, kept: KeptKey = NO_KEY): ToolTypeFields {
  return {
    name: v.name,
    description: v.description,
    baseUrl: v.toolUrl,
    cartridgeUrl: null,
    launchUrl: v.toolUrl,
    secureLaunchUrl: "",
    ltiVersion: "1.3",
    consumerKey: kept.consumerKey,
    sharedSecret: kept.sharedSecret,
    iconUrl: v.iconUrl,
    secureIconUrl: "",
    customParameters: v.customParameters,
    launchContainer: v.launchContainer,
    shareName: v.shareName,
    shareEmail: v.shareEmail,
    acceptGrades: v.acceptGrades,
    showInPicker: v.showInPicker,
    vendorCode: "",
    vendorName: "",
  };
}

function registrationFieldsOf(v: Lti13Input) {
  return {
    initiateLoginUrl: v.initiateLoginUrl,
    redirectUris: v.redirectUris,
    publicKeyType: v.publicKeyType ?? "keyset",
    publicKeysetUrl: v.publicKeysetUrl,
    publicKey: v.publicKey,
    deepLinking: v.deepLinking,
    deepLinkingUrl: v.deepLinkingUrl,
    services: v.services,
  };
}

/** Adds an LTI 1.3 site tool: the tool type, its registration (new Client ID) and its deployment. */
export async function createLti13Tool(
  db: Db,
  clock: Clock,
  v: Lti13Input,
  issuer: string,
): Promise<ToolType> {
  const now = iso(clock.now());
  return db.transaction().execute(async (trx) => {
    const t = await repo.insertToolType(trx, toolTypeFieldsOf(v), now);
    await insertToolRegistration(
      trx,
      {
        ...registrationFieldsOf(v),
        toolTypeId: t.id,
        issuer,
        // URL-safe and unguessable: tools put it in URLs and configuration files.
        clientId: randomToken(16),
        // One deployment per site tool; unique per registration, so "1" is enough.
        deploymentId: "1",
        status: v.status,
      },
      now,
    );
    return t;
  });
}

/** Changes a 1.3 tool; an upgraded tool's LTI 1.1 key and secret (`kept`) stay as they were. */
export async function updateLti13Tool(
  db: Db,
  clock: Clock,
  id: number,
  v: Lti13Input,
  kept: KeptKey = NO_KEY,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await repo.updateToolType(trx, id, toolTypeFieldsOf(v, kept), iso(clock.now()));
    await updateToolRegistration(trx, id, { ...registrationFieldsOf(v), status: v.status });
  });
}

/**
 * Upgrades an LTI 1.1 site tool to LTI 1.3 in place: the same tool row (its id, so the activities using
 * it, their resource link ids and their grades stay), its LTI 1.1 consumer key and shared secret kept for
 * the lti1p1 claim of its 1.3 launches, and a registration (new Client ID, Deployment ID "1") on the
 * tool's existing deployment, so its resource links and launch log stay attached to one deployment.
 */
export async function upgradeLti11Tool(
  db: Db,
  clock: Clock,
  existing: ToolType,
  v: Lti13Input,
  issuer: string,
): Promise<void> {
  const now = iso(clock.now());
  await db.transaction().execute(async (trx) => {
    await repo.updateToolType(trx, existing.id, toolTypeFieldsOf(v, existing), now);
    await insertToolRegistration(
      trx,
      {
        ...registrationFieldsOf(v),
        toolTypeId: existing.id,
        issuer,
        clientId: randomToken(16),
        deploymentId: "1",
        status: v.status,
      },
      now,
    );
  });
}

/** An LTI 1.1 tool's fields as the start of its LTI 1.3 form (the 1.3-only fields empty). */
export function upgradeInputOf(t: ToolType): z.input<typeof lti13Schema> {
  return {
    ltiVersion: "1.3",
    name: t.name,
    description: t.description,
    // What it launches, not the cartridge it was read from.
    toolUrl: t.launchUrl || t.baseUrl,
    initiateLoginUrl: "",
    redirectUris: [],
    customParameters: t.customParameters,
    iconUrl: t.iconUrl,
    launchContainer: t.launchContainer,
    shareName: t.shareName,
    shareEmail: t.shareEmail,
    acceptGrades: t.acceptGrades,
    showInPicker: t.showInPicker,
    status: "active",
  };
}

/** The editable fields of a stored 1.3 tool, in the input shape. */
export function lti13InputOf(t: ToolType, r: ToolRegistration): z.input<typeof lti13Schema> {
  return {
    ltiVersion: "1.3",
    name: t.name,
    description: t.description,
    toolUrl: t.baseUrl || t.launchUrl,
    initiateLoginUrl: r.initiateLoginUrl,
    redirectUris: r.redirectUris,
    publicKeyType: r.publicKeyType,
    publicKeysetUrl: r.publicKeysetUrl,
    publicKey: r.publicKey,
    customParameters: t.customParameters,
    iconUrl: t.iconUrl,
    launchContainer: t.launchContainer,
    shareName: t.shareName,
    shareEmail: t.shareEmail,
    acceptGrades: t.acceptGrades,
    showInPicker: t.showInPicker,
    status: r.status,
    deepLinking: r.deepLinking,
    deepLinkingUrl: r.deepLinkingUrl,
    services: r.services,
  };
}

export function findRegistrationOf(db: Db, toolTypeId: number): Promise<ToolRegistration | undefined> {
  return findToolRegistration(db, { toolTypeId });
}

export function findRegistrationByClientId(db: Db, clientId: string): Promise<ToolRegistration | undefined> {
  return findToolRegistration(db, { clientId });
}

/** Registrations by tool type id. */
export async function registrationsByToolType(db: Db): Promise<Map<number, ToolRegistration>> {
  return new Map((await listToolRegistrations(db)).map((r) => [r.toolTypeId, r]));
}

/** What a tool vendor asks for (Tool configuration details), from the site's public URL. */
export function platformDetails(publicUrl: string) {
  const base = publicUrl.replace(/\/+$/, "");
  return {
    issuer: base,
    authenticationRequestUrl: `${base}${AUTH_PATH}`,
    accessTokenUrl: `${base}${TOKEN_PATH}`,
    publicKeysetUrl: `${base}${JWKS_PATH}`,
    openidConfigurationUrl: `${base}${OPENID_CONFIGURATION_PATH}`,
  };
}
