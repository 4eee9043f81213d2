// The user's own pages: profile (with password change) and API tokens.

import { formatInstant } from "../../shared/time-zone.js";
import { FormProblem, type FormProblemInfo } from "../../views/form-problem.js";
import { Csrf, Fieldset, TextField } from "../../views/forms.js";
import { Layout } from "../../views/layout.js";
import type { PageContext } from "../../views/page-context.js";
import { type FormValues, ProfileFields } from "./profile-fields.js";
import type { ApiToken, User } from "./users.service.js";

function ProfileNav({ current }: { current: "profile" | "tokens" }) {
  return (
    <nav aria-label="Your account" class="tabs">
      <ul>
        <li>
          <a href="/profile" aria-current={current === "profile" ? "page" : undefined}>
            Profile
          </a>
        </li>
        <li>
          <a href="/profile/tokens" aria-current={current === "tokens" ? "page" : undefined}>
            API tokens
          </a>
        </li>
      </ul>
    </nav>
  );
}

export function ProfilePage({
  pc,
  user,
  values,
  problem,
}: {
  pc: PageContext;
  user: User;
  values: FormValues;
  problem?: FormProblemInfo;
}) {
  const errors = problem?.fields;
  return (
    <Layout pc={pc} title="Your profile" crumbs={[{ label: "Profile" }]}>
      <ProfileNav current="profile" />
      <form method="post" action="/profile" novalidate>
        <Csrf token={pc.csrf} />
        <FormProblem problem={problem} />
        <p>
          Username: <strong>{user.username}</strong>
        </p>
        <Fieldset legend="Profile">
          <ProfileFields values={values} errors={errors} siteTimeZone={pc.siteTimeZone} />
        </Fieldset>
        <Fieldset legend="Change password">
          <p class="help">Leave these empty to keep your password.</p>
          <TextField
            name="currentPassword"
            label="Current password"
            type="password"
            errors={errors}
            autocomplete="current-password"
          />
          <TextField
            name="newPassword"
            label="New password"
            type="password"
            errors={errors}
            autocomplete="new-password"
            help="At least 8 characters. Your other sessions are logged out."
          />
          <TextField
            name="confirmPassword"
            label="New password again"
            type="password"
            errors={errors}
            autocomplete="new-password"
          />
        </Fieldset>
        <button type="submit">Save changes</button>
      </form>
    </Layout>
  );
}

export function TokensPage({
  pc,
  tokens,
  created,
  name,
  problem,
}: {
  pc: PageContext;
  tokens: ApiToken[];
  /** A token just created: its value is shown this once. */
  created?: { name: string; token: string };
  name?: string;
  problem?: FormProblemInfo;
}) {
  return (
    <Layout
      pc={pc}
      title="API tokens"
      crumbs={[{ label: "Profile", href: "/profile" }, { label: "API tokens" }]}
    >
      <ProfileNav current="tokens" />
      <p>
        Programs call the Pluto API as you with a token in the header <code>Authorization: Bearer …</code>.
        The API is described at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.
      </p>
      {created ? (
        <div class="token-created" role="status">
          <p>
            Your new token <strong>{created.name}</strong>. Copy it now: it is not shown again.
          </p>
          <p class="copy-field">
            <label for="new-token">Token</label>
            <input id="new-token" class="token" value={created.token} readOnly />
          </p>
        </div>
      ) : null}
      <section aria-labelledby="tokens-heading">
        <h2 id="tokens-heading">Your tokens</h2>
        {tokens.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <th scope="row">{t.name}</th>
                  <td>{formatInstant(t.createdAt, pc.timeZone)}</td>
                  <td>{t.lastUsedAt ? formatInstant(t.lastUsedAt, pc.timeZone) : "Never"}</td>
                  <td>
                    <form method="post" action={`/profile/tokens/${t.id}/revoke`} class="inline">
                      <Csrf token={pc.csrf} />
                      <button type="submit" class="secondary" aria-label={`Revoke ${t.name}`}>
                        Revoke
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>You have no API tokens.</p>
        )}
      </section>
      <section aria-labelledby="new-token-heading">
        <h2 id="new-token-heading">Create a token</h2>
        <form method="post" action="/profile/tokens" novalidate>
          <Csrf token={pc.csrf} />
          <FormProblem problem={problem} />
          <TextField
            name="name"
            label="Token name"
            value={name}
            required
            maxLength={100}
            errors={problem?.fields}
            help="What the token is for, e.g. grade export script"
          />
          <button type="submit">Create token</button>
        </form>
      </section>
    </Layout>
  );
}
