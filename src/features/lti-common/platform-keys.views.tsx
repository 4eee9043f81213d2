// Site admin → Integrations → LTI platform keys: the keys Pluto signs LTI 1.3 messages with, their
// states, the rotation period and "Rotate now". Public key ids and dates only: never a private key.
import { formatInstant } from "../../shared/time-zone.js";
import { AdminLayout } from "../../views/admin-layout.js";
import { FormProblem, type FormProblemInfo } from "../../views/form-problem.js";
import { Csrf, Fieldset, TextField } from "../../views/forms.js";
import type { PageContext } from "../../views/page-context.js";
import {
  JWKS_CACHE_PERIOD_SECONDS,
  JWKS_PATH,
  MAX_ROTATION_PERIOD_DAYS,
  MIN_ROTATION_PERIOD_DAYS,
  type PlatformKeyInfo,
} from "./platform-keys.service.js";

export const KEYS_PATH = "/admin/lti/platform-keys";
export const KEYS_TITLE = "LTI platform keys";
export { JWKS_PATH };

const ROTATE_NOW_EXPLAINED =
  "The signing key is withdrawn from the key set at once and a new key signs from now on. Tools that fetch Pluto's key set on every launch accept the next one; tools that fetch it again at most every 30 seconds (those built on jose) refuse launches for up to 30 seconds, and tools that keep it for hours refuse them until it expires; launches signed with the old key in the last minutes fail. Use this when a key may have leaked: scheduled rotation needs no action.";
export const ROTATE_NOW_CONFIRM = `Rotate the LTI platform keys now? ${ROTATE_NOW_EXPLAINED}`;

function stateLabel(k: PlatformKeyInfo, timeZone: string): string {
  switch (k.state) {
    case "next":
      return `Next (published, signs from ${formatInstant(k.activatesAt, timeZone)})`;
    case "signing":
      return "Signing";
    case "retired":
      return k.published
        ? `Retired (published until ${formatInstant(k.publishedUntil, timeZone)})`
        : "Retired (no longer published)";
    case "revoked":
      return `Revoked ${formatInstant(k.revokedAt, timeZone)} (not published)`;
  }
}

export function PlatformKeysPage({
  pc,
  jwksUrl,
  keys,
  rotationPeriodDays,
  problem,
}: {
  pc: PageContext;
  /** The JWKS URL as tools are given it. */
  jwksUrl: string;
  keys: PlatformKeyInfo[];
  rotationPeriodDays: string | number;
  problem?: FormProblemInfo;
}) {
  const hours = JWKS_CACHE_PERIOD_SECONDS / 3600;
  return (
    <AdminLayout pc={pc} title={KEYS_TITLE} crumbs={[{ label: KEYS_TITLE }]}>
      <p>
        Pluto signs LTI 1.3 messages with these RSA keys and publishes their public halves at{" "}
        <a href={JWKS_PATH}>
          <code>{jwksUrl}</code>
        </a>{" "}
        (tools may cache it for {hours} hour{hours === 1 ? "" : "s"}). A new key is published {hours} hour
        {hours === 1 ? "" : "s"} before it starts signing, and a retired key stays published until everything
        it signed has expired.
      </p>
      <table>
        <caption class="visually-hidden">Platform keys</caption>
        <thead>
          <tr>
            <th scope="col">Key id (kid)</th>
            <th scope="col">State</th>
            <th scope="col">Created</th>
            <th scope="col">Signs from</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.kid}>
              <td>
                <code>{k.kid}</code>
              </td>
              <td>{stateLabel(k, pc.timeZone)}</td>
              <td>{formatInstant(k.createdAt, pc.timeZone)}</td>
              <td>{formatInstant(k.activatesAt, pc.timeZone)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action={`${KEYS_PATH}/settings`} novalidate>
        <Csrf token={pc.csrf} />
        <FormProblem problem={problem} />
        <Fieldset legend="Rotation">
          <TextField
            name="rotationPeriodDays"
            label="Key rotation period (days)"
            type="number"
            min={MIN_ROTATION_PERIOD_DAYS}
            max={MAX_ROTATION_PERIOD_DAYS}
            value={rotationPeriodDays}
            errors={problem?.fields}
            help="How long a key signs before the next one takes over. A scheduled task checks every hour."
            required
          />
        </Fieldset>
        <button type="submit">Save</button>
      </form>
      <h2>Rotate now</h2>
      <p>{ROTATE_NOW_EXPLAINED}</p>
      <form method="post" action={`${KEYS_PATH}/rotate`} class="inline" data-confirm={ROTATE_NOW_CONFIRM}>
        <Csrf token={pc.csrf} />
        <button type="submit" class="danger">
          Rotate now
        </button>
      </form>
    </AdminLayout>
  );
}
